import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, describe } from "../api";
import { FilmIcon, PlusIcon, SearchIcon } from "../components/icons";
import { VideoCard } from "../components/video-bits";
import { STATUS_LABELS, isActive } from "../format";
import { liveStatus, useLiveStatus, useResync, useVideoUpdates } from "../live";
import { forget } from "../media";
import { navigate } from "../router";
import { STATUSES, type Video, type VideoStatus } from "../types";
import { EmptyState, Page, Spinner } from "./common";

export const PAGE_SIZE = 24;
const FALLBACK_POLL_MS = 5000;

interface Filters {
  status: VideoStatus | "";
  q: string;
  page: number;
}

export function readFilters(query: URLSearchParams): Filters {
  const status = query.get("status") ?? "";
  const page = Number.parseInt(query.get("page") ?? "1", 10);
  return {
    status: (STATUSES as readonly string[]).includes(status) ? (status as VideoStatus) : "",
    q: query.get("q") ?? "",
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

function href(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status);
  if (filters.q) params.set("q", filters.q);
  if (filters.page > 1) params.set("page", String(filters.page));
  const text = params.toString();
  return text ? `/?${text}` : "/";
}

export function LibraryPage({ filters }: { filters: Filters }) {
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [search, setSearch] = useState(filters.q);
  const live = useLiveStatus();
  const request = useRef<AbortController | null>(null);

  const load = useCallback(async () => {
    request.current?.abort();
    const controller = new AbortController();
    request.current = controller;
    try {
      const page = await api.listVideos(
        { limit: PAGE_SIZE + 1, offset: (filters.page - 1) * PAGE_SIZE, status: filters.status, q: filters.q },
        controller.signal,
      );
      if (controller.signal.aborted) return;
      setVideos(page.videos.slice(0, PAGE_SIZE));
      setHasMore(page.videos.length > PAGE_SIZE);
      setError(null);
    } catch (failure) {
      if (!controller.signal.aborted) setError(failure);
    }
  }, [filters.page, filters.status, filters.q]);

  useEffect(() => {
    setVideos(null);
    load();
    return () => request.current?.abort();
  }, [load]);

  useEffect(() => setSearch(filters.q), [filters.q]);

  // Typing in the search box filters after a short pause (and keeps the URL shareable).
  useEffect(() => {
    if (search === filters.q) return;
    const timer = window.setTimeout(() => navigate(href({ ...filters, q: search.trim(), page: 1 }), { replace: true }), 300);
    return () => window.clearTimeout(timer);
  }, [search]);

  // Live: merge updates into the page. A video shown here that is deleted, a new video (its
  // first event carries the whole video), or one entering the status filter shift the page:
  // fetch it again. Progress of videos not shown here is none of this page's business.
  useVideoUpdates(({ video_id, updates }) => {
    const known = videos?.some((video) => video.id === video_id) ?? false;
    if (updates.deleted) {
      forget(video_id);
      if (known) load();
      return;
    }
    if (!known) {
      const arrives = "prompt" in updates || (filters.status !== "" && updates.status === filters.status);
      if (arrives && filters.page === 1) load();
      return;
    }
    setVideos((current) => current?.map((video) => (video.id === video_id ? { ...video, ...updates } : video)) ?? current);
  });
  useResync(load);

  // Without a socket (network trouble), fall back to polling while something is cooking.
  const cooking = videos?.some((video) => isActive(video.status)) ?? false;
  useEffect(() => {
    if (live === "live" || !cooking) return;
    const timer = window.setInterval(() => {
      if (liveStatus() !== "live") load();
    }, FALLBACK_POLL_MS);
    return () => window.clearInterval(timer);
  }, [live, cooking, load]);

  const filtered = Boolean(filters.status || filters.q);

  return (
    <Page title="Library" class="library">
      <header class="page-header">
        <div>
          <h1>Library</h1>
          <p class="muted">Your videos, newest first.</p>
        </div>
        <a class="button button-primary" href="/create">
          <PlusIcon /> New video
        </a>
      </header>

      <div class="toolbar" role="search">
        <label class="search">
          <SearchIcon />
          <span class="visually-hidden">Search prompts</span>
          <input
            type="search"
            name="q"
            placeholder="Search prompts"
            value={search}
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </label>
        <fieldset class="segmented">
          <legend class="visually-hidden">Status</legend>
          {(["", ...STATUSES] as const).map((status) => (
            <label key={status || "all"} class="segment">
              <input
                type="radio"
                name="status"
                value={status}
                checked={filters.status === status}
                onChange={() => navigate(href({ ...filters, status, page: 1 }), { replace: true })}
              />
              <span>{status ? STATUS_LABELS[status] : "All"}</span>
            </label>
          ))}
        </fieldset>
      </div>

      {error && !videos ? (
        <div class="panel panel-error" role="alert">
          <p>{describe(error)}</p>
          <button type="button" class="button" onClick={load}>
            Try again
          </button>
        </div>
      ) : !videos ? (
        <Spinner label="Loading your videos…" />
      ) : videos.length === 0 ? (
        filtered ? (
          <EmptyState icon={<SearchIcon />} title="No videos match">
            <p class="muted">Try another word or status.</p>
            <a class="button" href="/">
              Clear filters
            </a>
          </EmptyState>
        ) : filters.page > 1 ? (
          <EmptyState icon={<FilmIcon />} title="Nothing on this page">
            <a class="button" href="/">
              Back to the first page
            </a>
          </EmptyState>
        ) : (
          <EmptyState icon={<FilmIcon />} title="No videos yet">
            <p class="muted">Describe a scene and watch it come to life.</p>
            <a class="button button-primary" href="/create">
              <PlusIcon /> Make your first video
            </a>
          </EmptyState>
        )
      ) : (
        <>
          {error ? (
            <p class="form-error" role="alert">
              {describe(error)}
            </p>
          ) : null}
          <ul class="grid" aria-label="Videos">
            {videos.map((video) => (
              <VideoCard key={video.id} video={video} />
            ))}
          </ul>
          {(filters.page > 1 || hasMore) && (
            <nav class="pager" aria-label="Pages">
              <PageLink to={filters.page > 1 ? href({ ...filters, page: filters.page - 1 }) : null} rel="prev">
                Previous
              </PageLink>
              <span aria-current="page">Page {filters.page}</span>
              <PageLink to={hasMore ? href({ ...filters, page: filters.page + 1 }) : null} rel="next">
                Next
              </PageLink>
            </nav>
          )}
        </>
      )}
    </Page>
  );
}

function PageLink({ to, rel, children }: { to: string | null; rel: string; children: string }) {
  return to ? (
    <a class="button" href={to} rel={rel}>
      {children}
    </a>
  ) : (
    <span class="button disabled" aria-disabled="true">
      {children}
    </span>
  );
}
