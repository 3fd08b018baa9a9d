#!/usr/bin/env node
// The llm-otel-agent command: `demo`, `doctor`, `--help`. Each command is loaded only when asked for.
// The demo (model simulator, OTLP receiver, load generator) is compiled to dist/demo/, which only a
// checkout of the repository has: package.json's `files` leaves it out of the published package, and
// there `demo` says where it lives instead.
import { existsSync } from 'node:fs';
import { AGENT_VERSION } from '../version.js';

const USAGE = `llm-otel-agent ${AGENT_VERSION}: OpenTelemetry for Node.js services that call LLMs

Use the agent by preloading it:   node --import llm-otel-agent app.js

Commands:
  demo      run a sample chat service with the agent against a built-in model simulator and
            print its metrics and traces (no network, no Docker; about half a minute). In a
            checkout of the repository only (npm run demo): the published package leaves it out
  demo --serve
            the same service, simulator and load without end, telemetry where this environment's
            OTEL_* variables say, until SIGTERM (the app of the docker compose stack)
  doctor    print the configuration the agent reads from this environment, with warnings
  --help    this text (also: llm-otel-agent <command> --help)
`;

type Command = (args: readonly string[]) => Promise<number>;

/** dist/demo/command.js, the file the `import()` below loads: present in a checkout once built, never in the package. */
const DEMO_ENTRY = new URL('../../demo/command.js', import.meta.url);

const DEMO_NOT_INSTALLED = `llm-otel-agent demo: the demo is not part of the published package, which holds the agent only.
It runs from a checkout of the llm-otel-agent repository:

  npm ci && npm run demo             (npm run demo -- --serve for the long-running mode)

The agent needs none of it: node --import llm-otel-agent app.js
`;

const COMMANDS: Readonly<Record<string, Command>> = {
  async demo(args) {
    if (!existsSync(DEMO_ENTRY)) {
      if (wantsHelp(args)) return help(DEMO_NOT_INSTALLED);
      process.stderr.write(DEMO_NOT_INSTALLED);
      return 1;
    }
    const { DEMO_USAGE, demoCommand, demoServeCommand } = await import('../../demo/command.js');
    if (wantsHelp(args)) return help(DEMO_USAGE);
    const run = args.includes('--serve') ? demoServeCommand : demoCommand;
    return run(process.env, process.stdout, process.stderr);
  },
  async doctor(args) {
    if (wantsHelp(args)) return help('llm-otel-agent doctor\n\nPrints the configuration the agent reads from this environment; exit code 1 when a value is rejected.\n');
    const { doctor } = await import('./doctor.js');
    return doctor(process.env, process.stdout);
  },
};

function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

function help(text: string): Promise<number> {
  process.stdout.write(text);
  return Promise.resolve(0);
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || wantsHelp([name])) return help(USAGE);
  if (name === '--version' || name === '-v') return help(`${AGENT_VERSION}\n`);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`llm-otel-agent: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  return command(args);
}

// A reader that went away (`llm-otel-agent demo | head`) must not crash the command before it has
// stopped what it started: the output is simply no longer wanted.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

// The exit code is set rather than forced, so output still being written is not cut off; a demo
// resource that would keep the process alive after its end is a bug, and the timer bounds its cost.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`llm-otel-agent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
