// A small client-side router on the History API: the server answers every non-API path with
// index.html, so these URLs survive a reload and can be shared.
import { useEffect, useState } from "preact/hooks";

export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();

function read(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

export function navigate(to: string, { replace = false } = {}): void {
  const target = new URL(to, window.location.origin);
  if (target.pathname + target.search === window.location.pathname + window.location.search) {
    if (!replace) return;
  }
  if (replace) window.history.replaceState(null, "", target.pathname + target.search);
  else window.history.pushState(null, "", target.pathname + target.search);
  for (const listener of listeners) listener();
}

window.addEventListener("popstate", () => {
  for (const listener of listeners) listener();
});

export function useLocation(): Location {
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    listeners.add(update);
    return () => listeners.delete(update);
  }, []);
  return location;
}

/** Same-origin links are followed without a page load; modified clicks keep their meaning. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest("a");
    if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith("/api/")) return;
    if (url.hash && url.pathname === window.location.pathname) return; // in-page (skip link)
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

/** Match `/videos/:id` style patterns; returns the parameters or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.replace(/\/+$/, "").split("/");
  const have = path.replace(/\/+$/, "").split("/");
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    const value = have[i]!;
    if (part.startsWith(":")) {
      if (!value) return null;
      params[part.slice(1)] = decodeURIComponent(value);
    } else if (part !== value) {
      return null;
    }
  }
  return params;
}
