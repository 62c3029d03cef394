import { createLogger, withLifecycle, type CommandContext, type LogLevel } from '@outpost/protocol/node';
import { startGateway } from '../gateway.ts';
import { parseGatewayArgs, type GatewayCliArgs } from './gateway-args.ts';

/** `outpost gateway`: runs a site gateway until SIGINT or SIGTERM, then closes it. */
export async function runGateway(raw: GatewayCliArgs, ctx: CommandContext): Promise<void> {
  const options = parseGatewayArgs(raw);
  const logger = createLogger({ level: (raw.logLevel ?? 'info') as LogLevel, name: 'outpost-gateway' });
  await withLifecycle(
    async (lifecycle) => {
      const gateway = await lifecycle.start(
        'gateway',
        () => startGateway({ ...options, logger }),
        (g) => g.close(),
      );
      ctx.io.out(`gateway ${gateway.id} serving devices on ${gateway.localUrl} (upstream ${options.upstreamUrl})`);
      if (gateway.enrollUrl !== undefined) ctx.io.out(`device enrolment at ${gateway.enrollUrl}`);
      const signal = await lifecycle.untilStopped();
      logger.info({ signal }, 'stopping');
    },
    { source: ctx.signals, onCloseError: (name, err) => logger.error({ err, part: name }, `closing ${name} failed`) },
  );
  ctx.io.out('gateway stopped');
}
