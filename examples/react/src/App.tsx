import { useEffect, useState, type FormEvent } from 'react';
import { isLoginError } from 'tokenflight';
import { useAuth, useAuthEvent, useSession } from 'tokenflight/react';

interface Me {
  sub: string;
  username: string | null;
  scope: string;
}

export function App() {
  const session = useSession();
  const [notice, setNotice] = useState<string | null>(null);
  // Signed out by the server or another tab, not by this user: say so.
  useAuthEvent('session:end', ({ reason }) => setNotice(reason === 'logout' ? null : `Your session ended (${reason}). Please sign in again.`));

  if (session.status === 'loading') return <p>Loading…</p>;
  return (
    <main>
      {notice && <p role="alert">{notice}</p>}
      {session.status === 'authenticated' ? <Profile /> : <LoginForm onSignedIn={() => setNotice(null)} />}
    </main>
  );
}

function LoginForm({ onSignedIn }: { onSignedIn: () => void }) {
  const auth = useAuth();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      await auth.login({ username: String(form.get('username')), password: String(form.get('password')) });
      onSignedIn();
    } catch (failure) {
      setError(isLoginError(failure) && !failure.retryable ? 'Wrong username or password.' : 'Could not sign in. Try again.');
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)}>
      <label>
        Username <input name="username" defaultValue="ada" autoComplete="username" />
      </label>
      <label>
        Password <input name="password" type="password" defaultValue="lovelace" autoComplete="current-password" />
      </label>
      <button disabled={pending}>{pending ? 'Signing in…' : 'Sign in'}</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function Profile() {
  const auth = useAuth();
  const { expiresAt, generation } = useSession();
  const [me, setMe] = useState<Me | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    // auth.http attaches the token, and refreshes and replays when it has to.
    auth.http
      .get('api/me', { signal: controller.signal })
      .json<Me>()
      .then(setMe, () => undefined);
    return () => controller.abort();
  }, [auth, generation]);

  return (
    <section>
      <h1>Signed in as {me?.username ?? '…'}</h1>
      <p>
        Scope: {me?.scope ?? '…'} · token generation {generation}
        {expiresAt !== null && ` · expires at ${new Date(expiresAt).toLocaleTimeString()}`}
      </p>
      <button onClick={() => void auth.logout()}>Sign out</button>
    </section>
  );
}
