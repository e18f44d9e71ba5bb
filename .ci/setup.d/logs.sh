# Logs domain: nothing to install. Loki is faked in-process (wiremock for the
# HTTP API, a tokio-tungstenite server for the tail websocket), so the tests
# need only the Rust toolchain and loopback networking.
true
