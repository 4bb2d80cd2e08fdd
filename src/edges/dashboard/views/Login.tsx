import { useState } from 'preact/hooks';
import { logIn, loginMessage } from '../state/session.js';

export function Login() {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main class="login">
      <form
        class="login-card"
        aria-label="Log in"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          void logIn(token.trim()).finally(() => setBusy(false));
        }}
      >
        <h1>
          <span class="brand-mark" aria-hidden="true" /> Pulseboard
        </h1>
        <p class="muted">
          Paste an API token (viewer, operator or admin). The server's start-up line says where the admin one is (
          <code>.pulseboard/token</code> by default; <code>serve --print-token</code> prints a link with it);{' '}
          <code>pulseboard token create viewer NAME</code> makes a read-only one.
        </p>
        {loginMessage.value && (
          <p class="notice" role="alert">
            {loginMessage.value}
          </p>
        )}
        <label>
          Token
          <input
            name="token"
            type="password"
            autocomplete="current-password"
            value={token}
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            required
            autofocus
          />
        </label>
        <button type="submit" class="primary" disabled={busy || token.trim() === ''}>
          Log in
        </button>
      </form>
    </main>
  );
}
