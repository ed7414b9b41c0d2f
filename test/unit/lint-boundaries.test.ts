import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImportErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const fatal = (result?.messages ?? []).filter((message) => message.fatal);
  expect(fatal, 'the probe must parse').toEqual([]);
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((message) => message.message);
}

// Type-aware ESLint builds a TypeScript program on first use: seconds on a loaded 2-core machine.
describe('folder boundaries enforced by lint', { timeout: 60_000 }, () => {
  it('fails when sync/ imports electron or the UI', async () => {
    const probe = 'sync/boundary-probe.ts';
    expect(
      await restrictedImportErrors(
        "import { app } from 'electron';\nexport const a = app;\n",
        probe,
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImportErrors("export * from '../electron/main.js';\n", probe),
    ).toHaveLength(1);
    expect(
      await restrictedImportErrors("export * from '../renderer/src/App.js';\n", probe),
    ).toHaveLength(1);
    expect(await restrictedImportErrors("export * from './errors.js';\n", probe)).toEqual([]);
  });

  it('lets the renderer import only the bridge contract types', async () => {
    const probe = 'renderer/src/boundary-probe.ts';
    const typeOnly =
      "import type { BridgeContract } from '../../sync/api/contract.js';\nexport type C = BridgeContract;\n";
    expect(await restrictedImportErrors(typeOnly, probe)).toEqual([]);
    const value =
      "import { BRIDGE_CALLS } from '../../sync/api/contract.js';\nexport const c = BRIDGE_CALLS;\n";
    expect(await restrictedImportErrors(value, probe)).toHaveLength(1);
    const engine =
      "import { OutpostError } from '../../sync/errors.js';\nexport const e = OutpostError;\n";
    expect(await restrictedImportErrors(engine, probe)).toHaveLength(1);
    const ipc = "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n";
    expect(await restrictedImportErrors(ipc, probe)).toHaveLength(1);
  });
});
