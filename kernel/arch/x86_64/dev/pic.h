/* The legacy 8259 PIC pair: remapped away from the exception vectors and masked. */
#ifndef AGORA_KERNEL_ARCH_PIC_H
#define AGORA_KERNEL_ARCH_PIC_H

void pic_disable(void);

#endif
