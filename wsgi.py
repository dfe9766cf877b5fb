from devreg import create_app

app = create_app()
