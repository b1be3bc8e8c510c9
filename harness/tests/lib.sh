# Shared by the shell tests: source it, then `start_scripted_server DIR`
# starts harness/tests/scripted_smtp_server.py on a free loopback port and
# sets $server_pid and $port (the caller's EXIT trap kills $server_pid).
start_scripted_server() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/scripted_smtp_server.py" 0 --port-file "$1/port" &
  server_pid=$!
  for _ in $(seq 100); do [[ -s "$1/port" ]] && break; sleep 0.05; done
  port=$(cat "$1/port")
}
