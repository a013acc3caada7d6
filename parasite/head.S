/*
 * Entry of the parasite blob, placed at offset 0 by parasite.lds.
 *
 * The driver (src/dump/infect.c) enters with %rdi = &struct parasite_args
 * and %rsp = top of the parasite's stack, runs one command, and takes the
 * thread back in the SIGTRAP stop of the int3 below. It never lets the
 * thread run past the int3: every command starts at the entry again.
 */
	.section .head.text, "ax"
	.globl parasite_head
	.type parasite_head, @function
parasite_head:
	andq	$-16, %rsp
	call	parasite_service
	int3
	ud2
	.size parasite_head, . - parasite_head

	.section .note.GNU-stack, "", @progbits
