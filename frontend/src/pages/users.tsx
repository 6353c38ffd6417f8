import { useCallback, useEffect, useState } from "preact/hooks";
import { api, describe } from "../api";
import { ConfirmDialog, Dialog } from "../components/dialog";
import { PlusIcon } from "../components/icons";
import { toast } from "../components/toasts";
import { formatDate } from "../format";
import { session } from "../session";
import type { User } from "../types";
import { Page, Spinner } from "./common";

export function UsersPage() {
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const [removing, setRemoving] = useState<User | null>(null);
  const me = session()?.user.id;

  const load = useCallback(async () => {
    try {
      setUsers(await api.listUsers());
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  }, []);
  useEffect(() => void load(), [load]);

  return (
    <Page title="Users" class="users">
      <header class="page-header">
        <div>
          <h1>Users</h1>
          <p class="muted">Who may use this platform. Removing a user deletes their videos too.</p>
        </div>
      </header>
      <div class="users-layout">
        <section class="panel" aria-labelledby="user-list-title">
          <h2 id="user-list-title">Accounts</h2>
          {error ? (
            <div role="alert">
              <p class="form-error">{describe(error)}</p>
              <button type="button" class="button" onClick={load}>
                Try again
              </button>
            </div>
          ) : !users ? (
            <Spinner label="Loading users…" />
          ) : (
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Username</th>
                    <th scope="col">Role</th>
                    <th scope="col" class="col-created">
                      Created
                    </th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {users.map((user) => (
                    <tr key={user.id} data-username={user.username}>
                      <th scope="row">
                        {user.username}
                        {user.id === me && <span class="muted"> (you)</span>}
                      </th>
                      <td>{user.is_admin ? <span class="badge badge-admin">Admin</span> : "User"}</td>
                      <td class="col-created">{formatDate(user.created_at)}</td>
                      <td class="actions-cell">
                        <div class="row-actions">
                        <button type="button" class="button button-small" onClick={() => setResetting(user)}>
                          Reset password<span class="visually-hidden"> of {user.username}</span>
                        </button>
                        <button
                          type="button"
                          class="button button-small button-danger-quiet"
                          disabled={user.id === me}
                          title={user.id === me ? "You cannot remove yourself" : undefined}
                          onClick={() => setRemoving(user)}
                        >
                          Remove<span class="visually-hidden"> {user.username}</span>
                        </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <AddUser onAdded={load} />
      </div>

      {resetting && <ResetPassword user={resetting} onClose={() => setResetting(null)} />}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.username}?`}
          message={<p>Their account and every video they made are deleted. This cannot be undone.</p>}
          confirmLabel="Remove user"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.removeUser(removing.id);
            toast(`${removing.username} was removed.`, "success");
            await load();
          }}
        />
      )}
    </Page>
  );
}

function AddUser({ onAdded }: { onAdded: () => Promise<void> }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [admin, setAdmin] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <section class="panel" aria-labelledby="add-user-title">
      <h2 id="add-user-title">Add a user</h2>
      <form
        class="stack"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const user = await api.addUser(username.trim(), password, admin);
            toast(`${user.username} can now log in.`, "success");
            setUsername("");
            setPassword("");
            setAdmin(false);
            await onAdded();
          } catch (failure) {
            setError(describe(failure));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label class="field">
          <span class="field-label">Username</span>
          <input name="new-username" required maxLength={64} autoComplete="off" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span class="field-label">Password</span>
          <input
            name="new-password"
            type="password"
            required
            minLength={8}
            autoComplete="new-password"
            aria-describedby="new-password-hint"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <span id="new-password-hint" class="muted small">
            At least 8 characters.
          </span>
        </label>
        <label class="checkbox">
          <input type="checkbox" name="is-admin" checked={admin} onChange={(e) => setAdmin(e.currentTarget.checked)} />
          <span>Administrator (can manage users)</span>
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button button-primary" disabled={busy}>
          <PlusIcon /> {busy ? "Adding…" : "Add user"}
        </button>
      </form>
    </section>
  );
}

function ResetPassword({ user, onClose }: { user: User; onClose: () => void }) {
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title={`New password for ${user.username}`} onClose={onClose}>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          try {
            await api.resetPassword(user.id, password);
            toast(`Password of ${user.username} changed; their sessions have ended.`, "success");
            onClose();
          } catch (failure) {
            setError(describe(failure));
            setBusy(false);
          }
        }}
      >
        <label class="field">
          <span class="field-label">New password</span>
          <input
            name="reset-password"
            type="password"
            required
            minLength={8}
            autoComplete="new-password"
            autoFocus
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <p class="muted small">They are logged out everywhere and log in again with this password.</p>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? "Saving…" : "Set password"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
