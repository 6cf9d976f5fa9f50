/*
 * An ops table that gains a function pointer: objects made before the patch
 * keep the running kernel's table (they stored its address), so a copy in
 * the patch cannot stand in for it.  Refused, naming the table.
 */
struct inode;
struct super_ops {
	void (*destroy_inode)(struct inode *);
	void (*free_inode)(struct inode *);
};
struct sb {
	const struct super_ops *ops;
};

void free_inode_nonrcu(struct inode *inode);

static const struct super_ops pipefs_ops = {
	.destroy_inode = free_inode_nonrcu,
};

int pipefs_init(struct sb *sb)
{
	sb->ops = &pipefs_ops;
	return 0;
}
