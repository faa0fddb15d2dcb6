/* posix-bench-true: exits 0 at once; what tests/posix-bench times fork+exec+wait with. */
int main(void)
{
    return 0;
}
