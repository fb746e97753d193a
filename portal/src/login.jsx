// Login: a security key first (WebAuthn), a TOTP code as the fallback. Factors are enrolled at the
// terminal only (cm auth ...), so this page says how when none is.
import { useState } from 'preact/hooks';
import { startAuthentication } from '@simplewebauthn/browser';
import { loginPost, setCsrf } from './api.js';
import { ErrorLine } from './ui.jsx';

export function Login({ factors, onLogin }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [code, setCode] = useState('');

  const done = (body) => {
    setCsrf(body.csrf);
    onLogin();
  };
  const withKey = async () => {
    setBusy(true);
    setError(null);
    try {
      const { options } = await loginPost('/auth/login/webauthn/options', {});
      const assertion = await startAuthentication({ optionsJSON: options });
      done(await loginPost('/auth/login/webauthn', assertion));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const withCode = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      done(await loginPost('/auth/login/totp', { code }));
    } catch (e) {
      setError(e);
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <h1>cloudmesh</h1>
      {factors.webauthn ? (
        <button type="button" class="primary" id="login-key" disabled={busy} onClick={withKey} autofocus>
          Log in with security key
        </button>
      ) : null}
      {factors.totp ? (
        <form onSubmit={withCode} class="totp">
          <label for="totp-code">{factors.webauthn ? 'or a code from your authenticator app' : 'Code from your authenticator app'}</label>
          <input id="totp-code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxLength={6} value={code} onInput={(e) => setCode(e.currentTarget.value)} required />
          <button type="submit" disabled={busy}>Log in</button>
        </form>
      ) : null}
      {!factors.webauthn && !factors.totp ? (
        <p>
          No second factor is enrolled. At this machine's terminal run <code>cm auth webauthn register</code> (security key) or{' '}
          <code>cm auth totp enroll</code> (authenticator app), then reload.
        </p>
      ) : null}
      <ErrorLine error={error} />
    </main>
  );
}
