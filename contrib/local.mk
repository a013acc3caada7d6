# contrib: bash completion, installed where bash-completion looks for it
# (configure asks pkg-config, else $(datadir)/bash-completion/completions)
bashcompletiondir = $(BASH_COMPLETION_DIR)
dist_bashcompletion_DATA = %reldir%/completion/lmig
