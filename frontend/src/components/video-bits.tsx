// The pieces every view of a video shares: status badge, progress bar, thumbnail, card.
import { useEffect, useRef, useState } from "preact/hooks";
import { STATUS_LABELS, ago, isActive, orientation } from "../format";
import { mediaUrl } from "../media";
import type { Video, VideoStatus } from "../types";
import { AlertIcon, FilmIcon } from "./icons";

export function StatusBadge({ status }: { status: VideoStatus }) {
  return (
    <span class={`badge badge-${status}`} data-status={status}>
      {isActive(status) && <span class="pulse" aria-hidden="true" />}
      {STATUS_LABELS[status]}
    </span>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const bar = useRef<HTMLDivElement>(null);
  const clamped = Math.max(0, Math.min(100, Math.round(value)));
  // Set through the CSSOM: the Content-Security-Policy forbids style attributes, not this.
  useEffect(() => {
    bar.current?.style.setProperty("--progress", `${clamped}%`);
  }, [clamped]);
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={clamped}
      data-progress={clamped}
    >
      <div class="progress-bar" ref={bar} />
    </div>
  );
}

/** The thumbnail of a completed video (a signed link), or a placeholder telling its state. */
export function Thumbnail({ video, eager = false }: { video: Video; eager?: boolean }) {
  const [src, setSrc] = useState<string | null>(null);
  const [visible, setVisible] = useState(eager);
  const [failed, setFailed] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const retried = useRef(false);
  const ready = video.status === "completed";

  useEffect(() => {
    if (visible || !box.current) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          setVisible(true);
          observer.disconnect();
        }
      },
      { rootMargin: "200px" },
    );
    observer.observe(box.current);
    return () => observer.disconnect();
  }, [visible]);

  useEffect(() => {
    if (!ready || !visible) return;
    let cancelled = false;
    mediaUrl(video.id, "thumbnail").then(
      (url) => !cancelled && setSrc(url),
      () => !cancelled && setFailed(true),
    );
    return () => {
      cancelled = true;
    };
  }, [ready, visible, video.id]);

  return (
    <div ref={box} class={`thumb thumb-${orientation(video.size)} thumb-${video.status}`}>
      {ready && src && !failed ? (
        <img
          src={src}
          alt=""
          decoding="async"
          onError={() => {
            // An expired link: ask for a fresh one, once.
            if (retried.current) return setFailed(true);
            retried.current = true;
            mediaUrl(video.id, "thumbnail", true).then(setSrc, () => setFailed(true));
          }}
        />
      ) : (
        <div class="thumb-placeholder" aria-hidden="true">
          {video.status === "failed" ? <AlertIcon /> : isActive(video.status) ? <span class="thumb-percent">{video.progress}%</span> : <FilmIcon />}
        </div>
      )}
    </div>
  );
}

export function VideoCard({ video }: { video: Video }) {
  return (
    <li class="card" data-video-id={video.id} data-status={video.status}>
      <a class="card-link" href={`/videos/${video.id}`} aria-label={`${STATUS_LABELS[video.status]}: ${video.prompt}`}>
        <Thumbnail video={video} />
      </a>
      <div class="card-body">
        <div class="card-row">
          <StatusBadge status={video.status} />
          <span class="card-meta">
            {video.model} · {video.seconds}s · <time dateTime={new Date(video.created_at * 1000).toISOString()}>{ago(video.created_at)}</time>
          </span>
        </div>
        <p class="card-prompt" title={video.prompt}>
          {video.prompt}
        </p>
        {isActive(video.status) && <ProgressBar value={video.progress} label={`Progress of “${video.prompt.slice(0, 40)}”`} />}
        {video.status === "failed" && (
          <p class="card-error" role="note">
            <AlertIcon /> {video.error_message ?? "Generation failed."}
          </p>
        )}
      </div>
    </li>
  );
}
