/** The shells `berth completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const
export type CompletionShell = typeof COMPLETION_SHELLS[number]

/**
 * Each shell's script hands the words typed so far to `PROGRAM __complete` and offers what it prints (a value, then a
 * tab and a description); when nothing comes back the shell completes file names, as it would without the script.
 * The function names are the program's, so that berth and its docker-machine link can both be completed.
 */
export function completionScript(shell: CompletionShell, program: string): string {
  const fn = `_${program.replace(/[^A-Za-z0-9]/g, '_')}_complete`
  switch (shell) {
    case 'bash':
      return `# ${program} completion for bash. Install: ${program} completion bash >> ~/.bashrc
${fn}() {
  local line="\${COMP_LINE:0:COMP_POINT}" cur="\${COMP_WORDS[COMP_CWORD]}" token prefix candidate
  local -a words candidates
  read -ra words <<< "$line"
  [[ -z $line || $line =~ [[:space:]]$ ]] && words+=("")
  token="\${words[\${#words[@]}-1]}"
  # bash splits a word at = and : (--shell=fi, m1:), and replaces only the part after the last split.
  prefix="\${token%"$cur"}"
  mapfile -t candidates < <(${program} __complete "\${words[@]:1}" 2>/dev/null)
  COMPREPLY=()
  for candidate in "\${candidates[@]}"; do
    candidate="\${candidate%%$'\\t'*}"
    COMPREPLY+=("\${candidate#"$prefix"}")
  done
  # A value that goes on (driver=, m1:) takes no space after it.
  if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == *[=:] ]]; then compopt -o nospace; fi
}
complete -o default -F ${fn} ${program}
`
    case 'zsh':
      return `#compdef ${program}
# ${program} completion for zsh. Install (after compinit in ~/.zshrc): source <(${program} completion zsh)
${fn}() {
  local -a lines shown
  local line value
  lines=("\${(@f)$(${program} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  for line in "\${lines[@]}"; do
    [[ -z $line ]] && continue
    value=\${line%%$'\\t'*}
    shown=("$value")
    [[ $line == *$'\\t'* ]] && shown=("$value  -- \${line#*$'\\t'}")
    # A value that goes on (driver=, m1:) takes no space after it.
    if [[ $value == *[=:] ]]; then compadd -Q -S '' -l -d shown -- "$value"; else compadd -Q -l -d shown -- "$value"; fi
  done
  (( \${#lines[@]} > 0 )) && [[ -n \${lines[1]} ]] || _files
}
compdef ${fn} ${program}
`
    case 'fish':
      return `# ${program} completion for fish. Install: ${program} completion fish > ~/.config/fish/completions/${program}.fish
function __${fn}
    set -l typed (commandline -opc)
    set -l candidates (${program} __complete $typed[2..-1] (commandline -ct | string collect --allow-empty) 2>/dev/null)
    if test (count $candidates) -eq 0
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $candidates
    end
end
complete -c ${program} -f -a '(__${fn})'
`
    case 'powershell':
      return `# ${program} completion for PowerShell. Install: ${program} completion powershell >> $PROFILE
Register-ArgumentCompleter -Native -CommandName '${program}' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $typed = @($commandAst.CommandElements | Where-Object { $_.Extent.StartOffset -lt $cursorPosition } | ForEach-Object { $_.Extent.Text })
    $words = @(if ($typed.Count -gt 1) { $typed[1..($typed.Count - 1)] })
    if ($wordToComplete -eq '') { $words += '""' }
    $candidates = @(& '${program}' __complete @words 2>$null)
    foreach ($candidate in $candidates) {
        $value, $description = $candidate -split "\`t", 2
        if (-not $description) { $description = $value }
        [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $description)
    }
}
`
  }
}
