/* The Xen ELF notes both entries carry (included by entry-pv.S and entry-pvh.S, after
   <xen/elfnote.h>): ELFNOTE(type, desc) and the notes that name the guest; each entry adds
   the notes of its own boot protocol. */
#define ELFNOTE(type, desc)            \
  .pushsection .note.Xen, "a", @note;  \
  .balign 4;                           \
  .long 4f - 3f; .long 6f - 5f; .long type; \
3: .asciz "Xen";                       \
4: .balign 4;                          \
5: desc;                               \
6: .balign 4;                          \
  .popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz "mini-domu")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "1")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
