import net from 'node:net';

/**
 * A loopback TCP proxy in front of central for one site: `cut()` drops every connection and
 * refuses new ones (central unreachable for that site only), `restore()` lets them through again.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
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
      const end = () => {
        client.destroy();
        upstream.destroy();
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

  restore(): void {
    this.online = true;
  }

  get isOnline(): boolean {
    return this.online;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
