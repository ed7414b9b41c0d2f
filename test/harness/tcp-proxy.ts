import net from 'node:net';

/**
 * A loopback TCP proxy in front of central for one site: `cut()` drops every connection and
 * refuses new ones (central unreachable for that site only), `restore()` lets them through again.
 * `freeze()` makes the open connections silent without closing them (a server gone while its
 * sockets live on) and lets new ones through.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private readonly frozen = new Set<net.Socket>();
  private online = true;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<number> {
    this.server = net.createServer((client) => {
      if (!this.online) return void client.destroy();
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      this.track(client);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      const pair = { client, upstream };
      this.pairs.add(pair);
      const end = () => {
        this.pairs.delete(pair);
        upstream.destroy();
        if (!this.frozen.has(client)) client.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  cut(): void {
    this.online = false;
    for (const socket of this.sockets) socket.destroy();
  }

  freeze(): void {
    for (const { client, upstream } of this.pairs) {
      this.frozen.add(client);
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.on('data', () => undefined);
      upstream.destroy();
    }
  }

  restore(): void {
    this.online = true;
  }

  get isOnline(): boolean {
    return this.online;
  }

  async stop(): Promise<void> {
    this.cut();
    for (const socket of this.frozen) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
