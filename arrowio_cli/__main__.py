from arrowio_cli.main import main

main()
