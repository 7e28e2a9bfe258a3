// Sends three pino records to a LogAggregator through pino-loki, the way an application would, then flushes.
// Usage: node send.mjs <server base URL>
import pino from 'pino';
import pinoLoki from 'pino-loki';

const host = process.argv[2];
if (!host) {
  console.error('usage: node send.mjs <server base URL>');
  process.exit(2);
}

// Batched (the default), so ending the stream is what sends: the script exits only after the push was answered.
const stream = pinoLoki({
  host,
  labels: { agent: 'inventory', env: 'test' },
  batching: { interval: 60 },
  silenceErrors: false,
});
const logger = pino({ level: 'debug' }, stream);

logger.info({ meta: { orderId: '7' } }, 'stock reserved');
logger.warn('stock low');
logger.error(new Error('warehouse unreachable'), 'reservation failed');

stream.end();
await new Promise((resolve) => stream.on('close', resolve));
