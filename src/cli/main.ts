import { Command } from 'commander';
import { clusterCommand } from './cluster-command.js';
import { EXIT } from './exit-codes.js';
import { kvCommand } from './kv-command.js';
import { nodeCommand } from './node-command.js';
import { statusCommand } from './status-command.js';

/** The `raft-ts` program: run a member, run a local cluster, read a cluster's status, read and write keys. */
export function program(): Command {
  const root = new Command('raft-ts')
    .description('Raft consensus for Node.js: run cluster members, read their status, read and write keys')
    .showSuggestionAfterError()
    .addCommand(nodeCommand())
    .addCommand(clusterCommand())
    .addCommand(statusCommand())
    .addCommand(kvCommand());
  // Bad flags: commander's one-line error, and the usage exit code on every command.
  const usage = (command: Command): void => {
    command.exitOverride((error) => {
      const helpOrVersion =
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version';
      process.exit(helpOrVersion ? EXIT.ok : error.exitCode === 0 ? EXIT.ok : EXIT.usage);
    });
    for (const sub of command.commands) usage(sub);
  };
  usage(root);
  return root;
}

await program().parseAsync(process.argv);
