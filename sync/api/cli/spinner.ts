/**
 * An indeterminate progress line on a terminal while the instance works (the call returns when
 * the work is done, so there is no count to show). Nothing when stderr is not a terminal.
 */
export function startSpinner(label: string): { stop(): void } | undefined {
  const stream = process.stderr;
  if (!stream.isTTY) return undefined;
  const frames = ['|', '/', '-', '\\'];
  const started = Date.now();
  let frame = 0;
  const draw = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    stream.write(`\r${frames[frame++ % frames.length]} ${label}... ${seconds} s`);
  };
  draw();
  const timer = setInterval(draw, 150);
  return {
    stop() {
      clearInterval(timer);
      stream.write(`\r${' '.repeat((stream.columns || 60) - 1)}\r`);
    },
  };
}
