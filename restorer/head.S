/*
 * Entry of the restorer blob, placed at offset 0 by restorer.lds.
 *
 * lmig enters with %rdi = &struct rst_args and %rsp = the top of the
 * blob's stack (src/restore/restorer-args.h). restorer_main() never
 * returns: it ends in rt_sigreturn, or exit_group on failure.
 *
 * At RST_GADGET_OFFSET sits a bare "syscall": lmig, ptracing the
 * restored process after its rt_sigreturn, points the process at it to
 * unmap the region that holds it. The ud2 after it never runs: lmig
 * puts the registers back at the syscall-exit stop.
 */
	.section .head.text, "ax"
	.globl restorer_head
	.type restorer_head, @function
restorer_head:
	andq	$-16, %rsp
	call	restorer_main
	ud2
	.size restorer_head, . - restorer_head

	.balign 16
	.globl restorer_gadget
restorer_gadget:
	syscall
	ud2

/*
 * rst_sigreturn(sp): switch to the prepared frame and return into the
 * restored context. Not a function call from the kernel's point of view:
 * rt_sigreturn finds the frame at %rsp.
 */
	.text
	.globl rst_sigreturn
	.type rst_sigreturn, @function
rst_sigreturn:
	movq	%rdi, %rsp
	movl	$15, %eax		/* __NR_rt_sigreturn */
	syscall
	ud2
	.size rst_sigreturn, . - rst_sigreturn

/*
 * rst_clone_thread(ca, size, fn, arg): clone3 a thread. In the new thread
 * (rax 0, on the stack clone3 gave it) call fn(arg), which never returns.
 * fn and arg travel in r8/r9, which the syscall leaves alone.
 */
	.globl rst_clone_thread
	.type rst_clone_thread, @function
rst_clone_thread:
	movq	%rdx, %r8
	movq	%rcx, %r9
	movl	$435, %eax		/* __NR_clone3 */
	syscall
	testq	%rax, %rax
	jnz	1f
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	movq	%r9, %rdi
	call	*%r8
	ud2
1:	ret
	.size rst_clone_thread, . - rst_clone_thread

	.section .note.GNU-stack, "", @progbits
