/**
 * @module server/run
 * What `cm server start` and `cm portal start` do: start the server, say where it is, and keep it until
 * the command is interrupted (Ctrl-C, SIGTERM, or the shell's abort), then close it cleanly.
 */
import type { Context } from '../core/command.ts';
import { UserError } from '../core/errors.ts';
import { VERSION } from '../version.ts';
import { findPortal, PORTAL_INSTALL_HINT } from './portal-dir.ts';
import { isLoopback, startServer } from './serve.ts';

export async function serveUntilStopped(
  ctx: Context,
  input: { port?: number; host?: string; unsafeBind?: boolean; requirePortal: boolean },
): Promise<undefined> {
  const configured = ((await ctx.config()) as { server?: { host?: string; port?: number } }).server;
  const host = input.host ?? configured?.host ?? '127.0.0.1';
  const port = input.port ?? configured?.port ?? 8642;
  const portalDir = findPortal(ctx.env);
  if (input.requirePortal && !portalDir) throw new UserError('the web portal is not installed', { hint: PORTAL_INSTALL_HINT });
  const { loadCommands } = await import('../commands/registry.ts');
  const specs = await loadCommands();
  const server = await startServer({
    home: ctx.home,
    env: { ...ctx.env },
    specs,
    version: VERSION,
    port,
    host,
    unsafeBind: !!input.unsafeBind,
    ...(portalDir ? { portalDir } : {}),
  });
  if (!isLoopback(host)) {
    ctx.out.warn(`listening on ${host}: reachable from other machines (--unsafe-bind); security keys work only via localhost`);
  }
  ctx.out.info(`cloudmesh ${portalDir ? 'portal and API' : 'API'} on ${server.url} (token: cm server token; Ctrl-C stops)`);
  if (!portalDir && !input.requirePortal) ctx.out.info(`no portal: ${PORTAL_INSTALL_HINT}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    ctx.signal.addEventListener('abort', stop, { once: true });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  ctx.out.info('server stopped');
  return undefined;
}
