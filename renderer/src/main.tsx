import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { HttpBridge } from './bridge/http-transport.js';
import { App } from './App.js';
import { createHttpTransport } from './bridge/http-transport.js';
import { browserSessionEnv, forgetToken, signIn, storedToken } from './bridge/session.js';
import './styles.css';
import { SignIn } from './views/SignIn.js';

const element = document.getElementById('root');
if (!element) throw new Error('index.html has no #root element');
const root = createRoot(element);

let current: HttpBridge | undefined;

/** In Electron the preload provides the bridge; in a browser, the loopback HTTP API does. */
async function start(root: Root): Promise<void> {
  if (window.outpost) {
    root.render(
      <StrictMode>
        <App bridge={window.outpost} />
      </StrictMode>,
    );
    return;
  }
  const env = browserSessionEnv();
  const signedIn = await signIn(env);
  current?.close();
  current = undefined;
  if (!signedIn.ok) {
    root.render(<SignIn message={signedIn.message} />);
    return;
  }
  const bridge = createHttpTransport({
    token: () => storedToken(env),
    onUnauthorized: () => {
      forgetToken(env);
      bridge.close();
      root.render(
        <SignIn message='Outpost no longer accepts this page’s sign-in (it may have been reinstalled). Run "outpost open" on this computer for a new link.' />,
      );
    },
  });
  current = bridge;
  root.render(
    <StrictMode>
      <App key={Date.now()} bridge={bridge} />
    </StrictMode>,
  );
}

void start(root);
// A new link pasted into this tab changes only the fragment, which loads nothing: sign in again.
window.addEventListener('hashchange', () => {
  if (window.location.hash.startsWith('#token=')) void start(root);
});
