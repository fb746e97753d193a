/**
 * @module server/auth/ceremony-page
 * The one-off page `cm auth webauthn register` (and the `auth require` gate) open on loopback: plain
 * HTML and a small script with no dependencies, because the client package carries no front-end tooling.
 * The script converts between the JSON the server speaks (base64url) and the browser's ArrayBuffers.
 */
export const CEREMONY_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cloudmesh security key</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/ceremony.css"></head>
<body><main><h1>cloudmesh</h1><p id="what"></p>
<button id="go" type="button" autofocus>Use security key</button>
<p id="status" role="status" aria-live="polite"></p></main>
<script type="module" src="/ceremony.js"></script></body></html>`;

export const CEREMONY_CSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f4f6f8;color:#1b2733}
main{background:#fff;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 1px 4px #0002;max-width:28rem}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#1f5fa8;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #f0a500;outline-offset:2px}#status{min-height:1.5em}`;

export const CEREMONY_JS = `
const token = location.hash.slice(1);
const from = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(s.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
const to = (buf) => { let s = ''; for (const b of new Uint8Array(buf)) s += String.fromCharCode(b); return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''); };
const say = (text) => { document.getElementById('status').textContent = text; };
const post = async (path, body) => {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ceremony-token': token }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error ? json.error.message : res.statusText);
  return json;
};
const mode = document.documentElement.dataset.mode || (await (await fetch('/ceremony/mode')).json()).mode;
document.getElementById('what').textContent = mode === 'register'
  ? 'Register a security key for cloudmesh: press the button, then touch your key.'
  : 'A cloudmesh command asks for your security key: press the button, then touch your key.';
async function run() {
  try {
    say('Touch your security key…');
    const { options } = await post('/ceremony/options', {});
    const ids = (list) => (list || []).map((c) => ({ ...c, id: from(c.id) }));
    let body;
    if (mode === 'register') {
      const cred = await navigator.credentials.create({ publicKey: { ...options, challenge: from(options.challenge), user: { ...options.user, id: from(options.user.id) }, excludeCredentials: ids(options.excludeCredentials) } });
      body = { id: cred.id, rawId: to(cred.rawId), type: cred.type, clientExtensionResults: cred.getClientExtensionResults(), authenticatorAttachment: cred.authenticatorAttachment || undefined,
        response: { clientDataJSON: to(cred.response.clientDataJSON), attestationObject: to(cred.response.attestationObject), transports: cred.response.getTransports ? cred.response.getTransports() : [] } };
    } else {
      const cred = await navigator.credentials.get({ publicKey: { ...options, challenge: from(options.challenge), allowCredentials: ids(options.allowCredentials) } });
      body = { id: cred.id, rawId: to(cred.rawId), type: cred.type, clientExtensionResults: cred.getClientExtensionResults(), authenticatorAttachment: cred.authenticatorAttachment || undefined,
        response: { clientDataJSON: to(cred.response.clientDataJSON), authenticatorData: to(cred.response.authenticatorData), signature: to(cred.response.signature), userHandle: cred.response.userHandle ? to(cred.response.userHandle) : undefined } };
    }
    const done = await post('/ceremony/verify', body);
    say('Done (' + done.factor + '). You can close this tab and return to the terminal.');
  } catch (error) {
    say('Failed: ' + error.message);
  }
}
document.getElementById('go').addEventListener('click', run);
`;
