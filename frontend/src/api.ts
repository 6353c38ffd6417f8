// The REST API, typed. Every call sends the session's token; a 401 ends the session.
import { end, session } from "./session";
import type { Login, MediaUrl, Model, User, Variant, Video, VideoPage, VideoStatus } from "./types";

/** The server answered with an error: `{"error": message}` and a status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The server could not be reached at all. */
export class NetworkError extends Error {
  constructor() {
    super("Can't reach the server. Check your connection and try again.");
    this.name = "NetworkError";
  }
}

/** A sentence a person can act on, for any error a call may throw. */
export function describe(error: unknown): string {
  if (error instanceof NetworkError) return error.message;
  if (error instanceof ApiError) {
    if (error.status >= 500) {
      const detail = error.message && error.message !== "internal server error" ? `: ${error.message}` : "";
      return `The server had a problem (${error.status})${detail}. Please try again in a moment.`;
    }
    return capitalize(error.message);
  }
  if (error instanceof DOMException && error.name === "AbortError") return "Cancelled.";
  return "Something went wrong. Please reload the page.";
}

function capitalize(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}

interface Options {
  json?: unknown;
  form?: FormData;
  query?: Record<string, string | number | undefined | null>;
  signal?: AbortSignal | undefined;
  /** Whether to send the session's token (not for the login form itself). */
  authenticated?: boolean;
  /** A 401 that means "wrong password", not "the session is over". */
  keepSession?: boolean;
}

async function request<T>(method: string, path: string, options: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const authenticated = options.authenticated ?? true;
  const token = session()?.token;
  if (authenticated && token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  let url = path;
  if (options.query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: body ?? null, signal: options.signal ?? null });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new NetworkError();
  }
  if (response.status === 204) return undefined as T;
  let payload: unknown = null;
  try {
    payload = await response.json();
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    // A cut-off body (the page is unloading, the network dropped) is no answer at all.
    if (response.ok) throw new NetworkError();
    // An error with a proxy's HTML page, or no body: the status says enough.
  }
  if (!response.ok) {
    const message =
      payload && typeof payload === "object" && "error" in payload && typeof payload.error === "string"
        ? payload.error
        : response.statusText || "request failed";
    if (response.status === 401 && authenticated && token && !options.keepSession) {
      end(`Your session has ended (${message}). Please log in again.`);
    }
    throw new ApiError(response.status, message);
  }
  return payload as T;
}

export interface ListQuery {
  limit: number;
  offset: number;
  status?: VideoStatus | "" | undefined;
  q?: string | undefined;
  remixed_from?: string | undefined;
}

export const api = {
  login: (username: string, password: string) =>
    request<Login>("POST", "/api/auth/login", { json: { username, password }, authenticated: false }),
  me: () => request<User>("GET", "/api/auth/me"),
  changePassword: (current_password: string, new_password: string) =>
    request<Login>("POST", "/api/auth/password", { json: { current_password, new_password }, keepSession: true }),

  models: () => request<{ models: Model[] }>("GET", "/api/models").then((body) => body.models),

  listVideos: (query: ListQuery, signal?: AbortSignal) =>
    request<VideoPage>("GET", "/api/videos", { query: { ...query }, signal }),
  getVideo: (id: string, signal?: AbortSignal) =>
    request<Video>("GET", `/api/videos/${encodeURIComponent(id)}`, { signal }),
  createVideo: (form: FormData) => request<Video>("POST", "/api/videos", { form }),
  remix: (id: string, prompt: string) =>
    request<Video>("POST", `/api/videos/${encodeURIComponent(id)}/remix`, { json: { prompt } }),
  deleteVideo: (id: string) => request<{ id: string; deleted: boolean }>("DELETE", `/api/videos/${encodeURIComponent(id)}`),
  mediaUrl: (id: string, variant: Variant) =>
    request<MediaUrl>("GET", `/api/videos/${encodeURIComponent(id)}/media-url`, { query: { variant } }),

  listUsers: () => request<{ users: User[] }>("GET", "/api/users").then((body) => body.users),
  addUser: (username: string, password: string, is_admin: boolean) =>
    request<User>("POST", "/api/users", { json: { username, password, is_admin } }),
  resetPassword: (id: string, password: string) =>
    request<undefined>("PUT", `/api/users/${encodeURIComponent(id)}/password`, { json: { password } }),
  removeUser: (id: string) => request<undefined>("DELETE", `/api/users/${encodeURIComponent(id)}`),
};
