import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, describe } from "../api";
import { ConfirmDialog, Dialog } from "../components/dialog";
import { BackIcon, CopyIcon, DownloadIcon, FilmIcon, RemixIcon, TrashIcon } from "../components/icons";
import { toast, toastError } from "../components/toasts";
import { ProgressBar, StatusBadge, Thumbnail } from "../components/video-bits";
import { formatDate, isActive, orientation, sizeLabel } from "../format";
import { useResync, useVideoUpdates } from "../live";
import { download, forget, mediaUrl } from "../media";
import { navigate } from "../router";
import type { Variant, Video } from "../types";
import { EmptyState, Page, Spinner } from "./common";

type Source = Video | "deleted" | null;

export function VideoPage({ id }: { id: string }) {
  const [video, setVideo] = useState<Video | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [source, setSource] = useState<Source>(null);
  const [remixes, setRemixes] = useState<Video[]>([]);
  const [dialog, setDialog] = useState<"remix" | "delete" | null>(null);

  const load = useCallback(async () => {
    try {
      const [current, children] = await Promise.all([
        api.getVideo(id),
        api.listVideos({ limit: 100, offset: 0, remixed_from: id }),
      ]);
      setVideo(current);
      setRemixes(children.videos);
      setError(null);
      if (current.remixed_from) {
        api.getVideo(current.remixed_from).then(setSource, (failure: unknown) => {
          if (failure instanceof ApiError && failure.status === 404) setSource("deleted");
        });
      } else {
        setSource(null);
      }
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 404) setMissing(true);
      else setError(failure);
    }
  }, [id]);

  useEffect(() => {
    setVideo(null);
    setMissing(false);
    load();
  }, [load]);
  useResync(load);

  useVideoUpdates(({ video_id, updates }) => {
    if (video_id === id) {
      if (updates.deleted) {
        forget(id);
        setMissing(true);
      } else {
        setVideo((current) => (current ? { ...current, ...updates } : current));
      }
    } else if (updates.remixed_from === id || remixes.some((remix) => remix.id === video_id)) {
      if (updates.deleted || !remixes.some((remix) => remix.id === video_id)) load();
      else setRemixes((current) => current.map((remix) => (remix.id === video_id ? { ...remix, ...updates } : remix)));
    }
  });

  if (missing) {
    return (
      <Page title="Video not found">
        <EmptyState icon={<FilmIcon />} title="This video is gone" level={1}>
          <p class="muted">It was deleted, or it never existed.</p>
          <a class="button" href="/">
            Back to the library
          </a>
        </EmptyState>
      </Page>
    );
  }
  if (!video) {
    return (
      <Page title="Video">
        {error ? (
          <div class="panel panel-error" role="alert">
            <p>{describe(error)}</p>
            <button type="button" class="button" onClick={load}>
              Try again
            </button>
          </div>
        ) : (
          <Spinner label="Loading the video…" />
        )}
      </Page>
    );
  }

  const ready = video.status === "completed";
  return (
    <Page title={video.prompt.slice(0, 60)} class="video-page">
      <a class="back-link" href="/">
        <BackIcon /> Library
      </a>
      <div class="video-layout">
        <section class="stage" aria-label="Player">
          {ready ? <Player video={video} /> : <Pending video={video} />}
        </section>

        <section class="details" aria-labelledby="video-title">
          <div class="details-head">
            <StatusBadge status={video.status} />
            {isActive(video.status) && <span class="muted">{video.progress}%</span>}
          </div>
          <h1 id="video-title" class="prompt-title">
            {video.prompt}
          </h1>
          {video.status === "failed" && (
            <p class="panel panel-error" role="note">
              <strong>Why it failed: </strong>
              {video.error_message ?? "the provider gave no reason."}
            </p>
          )}

          <div class="actions">
            {ready && (
              <button type="button" class="button button-primary" onClick={() => setDialog("remix")}>
                <RemixIcon /> Remix
              </button>
            )}
            <a class="button" href={`/create?from=${video.id}`}>
              <CopyIcon /> Use prompt
            </a>
            <button type="button" class="button button-danger-quiet" onClick={() => setDialog("delete")}>
              <TrashIcon /> Delete
            </button>
          </div>
          {ready && <Downloads id={video.id} />}

          <dl class="facts">
            <dt>Model</dt>
            <dd>{video.model}</dd>
            <dt>Size</dt>
            <dd>{sizeLabel(video.size)}</dd>
            <dt>Duration</dt>
            <dd>{video.seconds} seconds</dd>
            <dt>Created</dt>
            <dd>{formatDate(video.created_at)}</dd>
            <dt>Completed</dt>
            <dd>{formatDate(video.completed_at)}</dd>
            {video.openai_video_id && (
              <>
                <dt>Provider id</dt>
                <dd class="mono">{video.openai_video_id}</dd>
              </>
            )}
          </dl>

          <Lineage source={source} video={video} remixes={remixes} />
        </section>
      </div>

      {dialog === "remix" && <RemixDialog video={video} onClose={() => setDialog(null)} />}
      {dialog === "delete" && (
        <ConfirmDialog
          title="Delete this video?"
          message={
            <p>
              The video, its thumbnail and its spritesheet are deleted for good. Its remixes stay.
            </p>
          }
          confirmLabel="Delete video"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.deleteVideo(video.id);
            forget(video.id);
            toast("Video deleted.", "success");
            navigate("/");
          }}
        />
      )}
    </Page>
  );
}

function Player({ video }: { video: Video }) {
  const [src, setSrc] = useState<string | null>(null);
  const [poster, setPoster] = useState<string | undefined>(undefined);
  const [failed, setFailed] = useState<string | null>(null);
  const element = useRef<HTMLVideoElement>(null);
  const resume = useRef<number | null>(null);
  const retried = useRef(false);

  useEffect(() => {
    let live = true;
    mediaUrl(video.id, "video").then((url) => live && setSrc(url), (error: unknown) => live && setFailed(describe(error)));
    mediaUrl(video.id, "thumbnail").then((url) => live && setPoster(url), () => undefined);
    return () => {
      live = false;
    };
  }, [video.id]);

  return (
    <div class={`player player-${orientation(video.size)}`}>
      {failed ? (
        <div class="player-message" role="alert">
          {failed}
        </div>
      ) : src ? (
        <video
          ref={element}
          controls
          playsInline
          preload="metadata"
          src={src}
          poster={poster}
          aria-label={`Video: ${video.prompt.slice(0, 80)}`}
          onLoadedMetadata={() => {
            if (resume.current !== null && element.current) element.current.currentTime = resume.current;
            resume.current = null;
          }}
          onError={() => {
            // The link expired during a long session: get a new one and carry on where we were.
            if (retried.current) return setFailed("This video cannot be played right now.");
            retried.current = true;
            resume.current = element.current?.currentTime ?? null;
            mediaUrl(video.id, "video", true).then(setSrc, (error: unknown) => setFailed(describe(error)));
          }}
        />
      ) : (
        <Spinner label="Loading the player…" />
      )}
    </div>
  );
}

function Pending({ video }: { video: Video }) {
  return (
    <div class={`player player-${orientation(video.size)} player-pending`}>
      <Thumbnail video={video} eager />
      {isActive(video.status) && (
        <div class="player-progress">
          <ProgressBar value={video.progress} label="Generation progress" />
          <span>{video.status === "queued" ? "Waiting for its turn…" : `Generating… ${video.progress}%`}</span>
        </div>
      )}
    </div>
  );
}

function Downloads({ id }: { id: string }) {
  const [busy, setBusy] = useState<Variant | null>(null);
  const items: [Variant, string][] = [
    ["video", "Video (MP4)"],
    ["thumbnail", "Thumbnail (WebP)"],
    ["spritesheet", "Spritesheet (JPEG)"],
  ];
  return (
    <div class="downloads" role="group" aria-label="Downloads">
      <span class="muted small">
        <DownloadIcon /> Download
      </span>
      {items.map(([variant, label]) => (
        <button
          key={variant}
          type="button"
          class="button button-small"
          disabled={busy === variant}
          onClick={async () => {
            setBusy(variant);
            try {
              await download(id, variant);
            } catch (error) {
              toastError(error);
            } finally {
              setBusy(null);
            }
          }}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

function Lineage({ source, video, remixes }: { source: Source; video: Video; remixes: Video[] }) {
  if (!video.remixed_from && remixes.length === 0) return null;
  return (
    <div class="lineage">
      <h2>Lineage</h2>
      {video.remixed_from && (
        <p>
          <span class="muted">Remixed from </span>
          {source === "deleted" ? (
            <span>a deleted video</span>
          ) : source ? (
            <a href={`/videos/${source.id}`}>“{source.prompt.slice(0, 80)}”</a>
          ) : (
            <a href={`/videos/${video.remixed_from}`}>the original video</a>
          )}
        </p>
      )}
      {remixes.length > 0 && (
        <>
          <p class="muted">
            {remixes.length} remix{remixes.length === 1 ? "" : "es"}
          </p>
          <ul class="remix-list">
            {remixes.map((remix) => (
              <li key={remix.id}>
                <a href={`/videos/${remix.id}`}>{remix.prompt}</a> <StatusBadge status={remix.status} />
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function RemixDialog({ video, onClose }: { video: Video; onClose: () => void }) {
  const [prompt, setPrompt] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title="Remix this video" onClose={onClose}>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const remix = await api.remix(video.id, prompt.trim());
            toast("Remix started.", "success");
            onClose();
            navigate(`/videos/${remix.id}`);
          } catch (failure) {
            setError(describe(failure));
            setBusy(false);
          }
        }}
      >
        <p class="muted small">Same model, size and length; describe what should change.</p>
        <label class="field">
          <span class="field-label">What should change?</span>
          <textarea
            name="remix-prompt"
            rows={4}
            maxLength={4000}
            required
            autoFocus
            placeholder="Make the motorcycle red and add more neon lights"
            value={prompt}
            onInput={(event) => setPrompt(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) event.currentTarget.form?.requestSubmit();
            }}
          />
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={busy || !prompt.trim()}>
            {busy ? "Starting…" : "Start remix"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
