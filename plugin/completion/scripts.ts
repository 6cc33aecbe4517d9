// Completion scripts. All of them ask `kubectl-cmetrics __complete WORDS…` (completion/engine.ts) and read its
// protocol: candidates one a line (`value<TAB>description`), then `:DIRECTIVE` (4: no file names).

export type Shell = 'bash' | 'zsh' | 'fish' | 'kubectl';

/** kubectl (≥ 1.26) runs `kubectl_complete-cmetrics` from PATH to complete `kubectl cmetrics …`. */
const KUBECTL = `#!/bin/sh
# Completion for \`kubectl cmetrics …\`: kubectl (1.26 and later) runs this file when it is on PATH
# as kubectl_complete-cmetrics, with the words typed after "cmetrics".
exec kubectl-cmetrics __complete "$@"
`;

const BASH = `# bash completion for kubectl-cmetrics: source <(kubectl-cmetrics completion bash)
_kubectl_cmetrics() {
    local out directive IFS=$'\\n'
    out=$(kubectl-cmetrics __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return
    directive=\${out##*:}
    out=\${out%:*}
    COMPREPLY=($(printf '%s' "$out" | cut -f1))
    if [ "\${#COMPREPLY[@]}" -eq 0 ] && [ $((directive & 4)) -eq 0 ]; then
        COMPREPLY=($(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}"))
    fi
}
complete -F _kubectl_cmetrics kubectl-cmetrics
`;

const ZSH = `#compdef kubectl-cmetrics
# zsh completion for kubectl-cmetrics: source <(kubectl-cmetrics completion zsh)
_kubectl_cmetrics() {
    local -a lines candidates
    local line name directive
    lines=("\${(@f)$(kubectl-cmetrics __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
    directive=\${lines[-1]#:}
    for line in "\${(@)lines[1,-2]}"; do
        name=\${line%%$'\\t'*}
        if [[ $line == *$'\\t'* ]]; then
            candidates+=("\${name//:/\\\\:}:\${line#*$'\\t'}")
        else
            candidates+=("\${name//:/\\\\:}")
        fi
    done
    if (( \${#candidates} )); then
        _describe 'kubectl-cmetrics' candidates
    elif (( (directive & 4) == 0 )); then
        _files
    fi
}
compdef _kubectl_cmetrics kubectl-cmetrics
`;

const FISH = `# fish completion for kubectl-cmetrics: kubectl-cmetrics completion fish | source
function __kubectl_cmetrics_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l out (kubectl-cmetrics __complete $words[2..-1] 2>/dev/null)
    test (count $out) -gt 0; or return
    set -l directive (string replace ':' '' -- $out[-1])
    set -e out[-1]
    if test (count $out) -eq 0; and test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $out
    end
end
complete -c kubectl-cmetrics -f -a '(__kubectl_cmetrics_complete)'
`;

const SCRIPTS: Record<Shell, string> = { bash: BASH, zsh: ZSH, fish: FISH, kubectl: KUBECTL };

export function completionScript(shell: Shell): string {
  return SCRIPTS[shell];
}
