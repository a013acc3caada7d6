# man: lmig(8), the command-line contract (tests/check/manpage.sh keeps it
# in step with each command's --help)
dist_man_MANS += %reldir%/lmig.8
