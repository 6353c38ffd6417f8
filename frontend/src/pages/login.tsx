import { useState } from "preact/hooks";
import { ApiError, api, describe } from "../api";
import { LogoIcon } from "../components/icons";
import { begin } from "../session";
import { usePageTitle } from "./common";

export function LoginPage({ notice }: { notice: string | null }) {
  usePageTitle("Log in");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const login = await api.login(username.trim(), password);
      begin(login.token, login.user); // the app then goes on to `next`
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401
          ? "Wrong username or password. Please try again."
          : describe(failure),
      );
      setBusy(false);
    }
  }

  return (
    <main id="main" class="login" tabIndex={-1}>
      <form class="login-card" onSubmit={submit} aria-describedby={error ? "login-error" : undefined}>
        <div class="login-brand">
          <LogoIcon />
          <span>Sora2</span>
        </div>
        <h1>Log in</h1>
        <p class="muted">Make, watch and remix videos.</p>
        {notice && !error && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p id="login-error" class="form-error" role="alert">
            {error}
          </p>
        )}
        <label class="field">
          <span class="field-label">Username</span>
          <input
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            autoFocus
            value={username}
            onInput={(event) => setUsername(event.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span class="field-label">Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </label>
        <button class="button button-primary button-wide" type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
    </main>
  );
}
