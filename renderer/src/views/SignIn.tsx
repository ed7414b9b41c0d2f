/** Shown in a browser without a valid sign-in: how to get one. */
export function SignIn({ message }: { message: string }) {
  return (
    <main className="app signin" aria-labelledby="signin-title">
      <h1 id="signin-title" className="app-title">
        Outpost
      </h1>
      <section className="card">
        <h2>Sign in needed</h2>
        <p role="alert">{message}</p>
        <p className="hint">
          Sales keep being saved and synced while this page is closed; it only shows what Outpost is
          doing.
        </p>
      </section>
    </main>
  );
}
