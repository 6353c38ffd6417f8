import { useState } from "preact/hooks";
import { api, describe } from "../api";
import { toast } from "../components/toasts";
import { begin, session } from "../session";
import { Page } from "./common";

export function AccountPage() {
  const user = session()?.user;
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  return (
    <Page title="Account" class="account">
      <header class="page-header">
        <div>
          <h1>Account</h1>
          <p class="muted">
            Logged in as <strong>{user?.username}</strong>
            {user?.is_admin ? " (administrator)" : ""}.
          </p>
        </div>
      </header>
      <section class="panel narrow" aria-labelledby="password-title">
        <h2 id="password-title">Change my password</h2>
        <p class="muted small">Your other sessions (other browsers, scripts using your token) are logged out.</p>
        <form
          class="stack"
          onSubmit={async (event) => {
            event.preventDefault();
            if (next !== repeat) {
              setError("The new passwords do not match.");
              return;
            }
            setBusy(true);
            setError(null);
            try {
              const login = await api.changePassword(current, next);
              begin(login.token, login.user);
              setCurrent("");
              setNext("");
              setRepeat("");
              toast("Password changed.", "success");
            } catch (failure) {
              setError(describe(failure));
            } finally {
              setBusy(false);
            }
          }}
        >
          <input type="text" name="username" autoComplete="username" value={user?.username ?? ""} hidden readOnly />
          <label class="field">
            <span class="field-label">Current password</span>
            <input name="current-password" type="password" required autoComplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span class="field-label">New password</span>
            <input name="new-password" type="password" required minLength={8} autoComplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span class="field-label">Repeat the new password</span>
            <input name="repeat-password" type="password" required minLength={8} autoComplete="new-password" value={repeat} onInput={(e) => setRepeat(e.currentTarget.value)} />
          </label>
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? "Saving…" : "Change password"}
          </button>
        </form>
      </section>
    </Page>
  );
}
