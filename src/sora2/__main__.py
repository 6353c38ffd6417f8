from sora2.cli import main

main()
