// The service's backends in one child process of their own, so their CPU is never counted with the
// service's: the model simulator (200 chunks a call, no simulated delay, each event in its own write
// unless BENCH_SEPARATE_WRITES=0) and the discarding OTLP sink.
// Prints one JSON line with both URLs; stops on SIGTERM.
import { startModelSimulator } from '../dist/demo/simulator/index.js';
import { startSink } from './lib/sink.mjs';

const chunks = Number(process.env.BENCH_CHUNKS ?? 200);
const separateWrites = process.env.BENCH_SEPARATE_WRITES !== '0';
const simulator = await startModelSimulator({ defaults: { chunks, firstChunkMs: 0, intervalMs: 0, separateWrites } });
const sink = await startSink();
process.stdout.write(`${JSON.stringify({ ready: true, simUrl: simulator.url, sinkUrl: sink.url })}\n`);

process.once('SIGTERM', () => {
  sink.close();
  simulator.close().then(() => process.exit(0), () => process.exit(1));
});
