"""People: accounts, sign-in sessions and throttling, API tokens, access rules, audit."""
