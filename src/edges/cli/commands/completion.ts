import type { Command } from 'commander';
import { UsageError } from '../cli-error.js';
import { examples } from '../help.js';

/** The completion scripts are written from the command tree itself, so they never fall behind it. */
export function registerCompletionCommand(program: Command): void {
  examples(program.command('completion'), 'pulseboard completion bash >> ~/.bashrc', 'pulseboard completion zsh > "${fpath[1]}/_pulseboard"')
    .description('print a shell completion script for bash or zsh')
    .argument('<shell>', 'bash|zsh')
    .action((shell: string) => {
      const tree = describeTree(program);
      if (shell === 'bash') return void process.stdout.write(bashScript(tree));
      if (shell === 'zsh') return void process.stdout.write(zshScript(tree));
      throw new UsageError(`no completion for ${JSON.stringify(shell)} (expected bash or zsh)`);
    });
}

/** "task ls" → its words; "" is the top level. */
type Tree = Map<string, { words: string[]; flags: string[] }>;

function describeTree(program: Command): Tree {
  const tree: Tree = new Map();
  const visit = (command: Command, path: string) => {
    tree.set(path, {
      words: command.commands.map((c) => c.name()),
      flags: command.options.map((o) => o.long).filter((flag): flag is string => flag !== undefined).concat('--help'),
    });
    for (const sub of command.commands) visit(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
  };
  visit(program, '');
  return tree;
}

function cases(tree: Tree, render: (path: string, words: string) => string): string {
  return [...tree.entries()].map(([path, node]) => render(path, [...node.words, ...node.flags].join(' '))).join('\n');
}

function bashScript(tree: Tree): string {
  return `# pulseboard completion for bash: source this file, or add it to ~/.bashrc
_pulseboard() {
  local cur at word
  cur="\${COMP_WORDS[COMP_CWORD]}"
  at=""
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    [[ "$word" == -* ]] && continue
    [[ "$word" == "--" ]] && return 0
    if [[ -n "$(_pulseboard_words "\${at:+$at }$word")" ]]; then at="\${at:+$at }$word"; fi
  done
  COMPREPLY=( $(compgen -W "$(_pulseboard_words "$at")" -- "$cur") )
}
_pulseboard_words() {
  case "$1" in
${cases(tree, (path, words) => `    "${path}") echo "${words}" ;;`)}
  esac
}
complete -F _pulseboard pulseboard
`;
}

function zshScript(tree: Tree): string {
  return `#compdef pulseboard
# pulseboard completion for zsh: put this file on your $fpath as _pulseboard
_pulseboard() {
  local at="" word candidates
  for word in \${words[2,CURRENT-1]}; do
    [[ "$word" == -* ]] && continue
    [[ -n "$(_pulseboard_words "\${at:+$at }$word")" ]] && at="\${at:+$at }$word"
  done
  candidates=(\${=$(_pulseboard_words "$at")})
  compadd -- $candidates
}
_pulseboard_words() {
  case "$1" in
${cases(tree, (path, words) => `    "${path}") echo "${words}" ;;`)}
  esac
}
_pulseboard "$@"
`;
}
