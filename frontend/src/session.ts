// Who is logged in. The token lives in localStorage so that a reload keeps the session; it is
// dropped when it expires (timer), when the server refuses it (401), or on logout.
import type { User } from "./types";

const KEY = "sora2.session";

export interface Session {
  token: string;
  user: User;
  expiresAt: number; // unix ms
}

type Listener = (session: Session | null, reason: string | null) => void;

let current: Session | null = null;
let expiryTimer: number | undefined;
const listeners = new Set<Listener>();

/** The `exp` claim of a JWT, in ms; 0 when it cannot be read. (Decoding is not verifying.) */
export function tokenExpiry(token: string): number {
  const part = token.split(".")[1];
  if (!part) return 0;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const exp: unknown = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}

function publish(reason: string | null): void {
  for (const listener of listeners) listener(current, reason);
}

function schedule(): void {
  window.clearTimeout(expiryTimer);
  if (!current) return;
  // setTimeout's delay is a 32-bit int: re-check at most every ~24 days.
  const delay = Math.min(current.expiresAt - Date.now(), 2 ** 31 - 1);
  expiryTimer = window.setTimeout(() => {
    if (current && current.expiresAt <= Date.now()) end("Your session has expired. Please log in again.");
    else schedule();
  }, Math.max(delay, 0));
}

export function restore(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    const saved = raw ? (JSON.parse(raw) as Partial<Session>) : null;
    if (saved?.token && saved.user && (saved.expiresAt ?? 0) > Date.now() + 5000) {
      current = { token: saved.token, user: saved.user, expiresAt: saved.expiresAt ?? 0 };
      schedule();
    } else if (raw) {
      localStorage.removeItem(KEY);
    }
  } catch {
    localStorage.removeItem(KEY);
  }
  return current;
}

export function session(): Session | null {
  return current;
}

export function begin(token: string, user: User): Session {
  current = { token, user, expiresAt: tokenExpiry(token) || Date.now() + 3600_000 };
  localStorage.setItem(KEY, JSON.stringify(current));
  schedule();
  publish(null);
  return current;
}

/** Log out; `reason` is shown on the login page (null for a plain logout). */
export function end(reason: string | null = null): void {
  if (!current) return;
  current = null;
  window.clearTimeout(expiryTimer);
  localStorage.removeItem(KEY);
  publish(reason);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab logged in or out: follow it.
window.addEventListener("storage", (event) => {
  if (event.key !== KEY) return;
  if (event.newValue === null) {
    if (current) {
      current = null;
      window.clearTimeout(expiryTimer);
      publish(null);
    }
  } else if (restore()) {
    publish(null);
  }
});
