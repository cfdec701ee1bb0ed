// A real OpenID Connect provider for the single sign-on tests (tests/test_sso_browser.py):
// the npm oidc-provider with its development login and consent pages, on a free loopback
// port. It prints {"issuer": ...} on its first line of output once it is listening.
//
// Environment: OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI (the app's callback),
// OIDC_ACCOUNTS (a JSON file: {"<login>": {"email": ..., "email_verified": ...}}, read at
// each sign-in, so a test may add accounts while the provider runs).
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const env = process.env;
const server = createServer();

async function findAccount(_ctx, id) {
  const account = JSON.parse(readFileSync(env.OIDC_ACCOUNTS, 'utf8'))[id];
  if (!account) return undefined;
  // The login typed on the provider's page is the subject; the rest are the account's claims.
  return { accountId: id, async claims() { return { sub: id, ...account }; } };
}

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients: [{
      client_id: env.OIDC_CLIENT_ID,
      client_secret: env.OIDC_CLIENT_SECRET,
      redirect_uris: [env.OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    pkce: { required: () => true },  // every authorisation request must carry an S256 challenge
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    features: { devInteractions: { enabled: true } },  // real login and consent pages
    findAccount,
    jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['tests-only-cookie-key'] },
  });
  server.on('request', provider.callback());
  console.log(JSON.stringify({ issuer }));
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
