// Signed media URLs (GET /api/videos/{id}/media-url): what <video> and <img> load, since they
// cannot send the login token. Each link is kept until shortly before it expires.
import { api } from "./api";
import { onSessionChange } from "./session";
import type { MediaUrl, Variant } from "./types";

const MARGIN_MS = 60_000;
const cache = new Map<string, Promise<MediaUrl>>();
const settled = new Map<string, MediaUrl>();

onSessionChange(() => {
  cache.clear();
  settled.clear();
});

export async function mediaUrl(videoId: string, variant: Variant, fresh = false): Promise<string> {
  const key = `${videoId}:${variant}`;
  const known = settled.get(key);
  if (fresh || (known && known.expires_at * 1000 - Date.now() < MARGIN_MS)) {
    cache.delete(key);
    settled.delete(key);
  }
  let pending = cache.get(key);
  if (!pending) {
    pending = api.mediaUrl(videoId, variant);
    cache.set(key, pending);
    pending.then(
      (link) => settled.set(key, link),
      () => cache.delete(key),
    );
  }
  return (await pending).url;
}

export function forget(videoId: string): void {
  for (const key of [...cache.keys()]) {
    if (key.startsWith(`${videoId}:`)) {
      cache.delete(key);
      settled.delete(key);
    }
  }
}

const EXTENSIONS: Record<Variant, string> = { video: "mp4", thumbnail: "webp", spritesheet: "jpg" };

/** Save one file of a video: the browser downloads it (Content-Disposition: attachment). */
export async function download(videoId: string, variant: Variant): Promise<void> {
  const url = await mediaUrl(videoId, variant, true);
  const link = document.createElement("a");
  link.href = `${url}?download=true`;
  link.download = `${videoId}.${EXTENSIONS[variant]}`;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
}
