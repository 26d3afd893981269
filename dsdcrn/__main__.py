from dsdcrn.cli.main import main

main()
