import { createContext, useContext, type ReactNode } from 'react';
import type { BridgeContract } from '../../../sync/api/contract.js';

const BridgeContext = createContext<BridgeContract | null>(null);

export function BridgeProvider({
  bridge,
  children,
}: {
  bridge: BridgeContract;
  children: ReactNode;
}) {
  return <BridgeContext.Provider value={bridge}>{children}</BridgeContext.Provider>;
}

/** The bridge the app was started with: Electron's preload or the HTTP transport. */
export function useBridge(): BridgeContract {
  const bridge = useContext(BridgeContext);
  if (!bridge) throw new Error('useBridge() outside <BridgeProvider>');
  return bridge;
}
