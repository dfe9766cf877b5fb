from tests.conftest import login


def test_every_demo_account_reaches_its_home_page(app, demo):
    for email in ["admin", "holder", "holder.bj", "manufacturer", "reviewer", "approver",
                  "reviewer.js"]:
        client = app.test_client()
        login(client, email)
        page = client.get("/home")
        assert page.status_code == 200
        assert demo.user(email).display_name in page.get_data(as_text=True)
