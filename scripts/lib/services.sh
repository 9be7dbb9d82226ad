# Starts and stops the loopback services the integration tests need: OpenSSH sshd and the S3 server.
# shellcheck shell=bash

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_sshd DIR : writes DIR/{host_key,client_key,authorized_keys,sshd_config}, starts sshd on 127.0.0.1, exports QUANTLAB_TEST_SSH_*.
start_sshd() {
  local dir=$1; mkdir -p "$dir"; chmod 700 "$dir"
  mkdir -p /run/sshd 2>/dev/null || as_root mkdir -p /run/sshd
  [ -f "$dir/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
  [ -f "$dir/client_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key" -C quantlab-test
  cp "$dir/client_key.pub" "$dir/authorized_keys"; chmod 600 "$dir/authorized_keys"
  local port; port=$(free_port)
  cat > "$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxStartups 100:30:200
MaxSessions 50
ClientAliveInterval 0
Subsystem sftp internal-sftp
LogLevel ERROR
CFG
  /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" || { echo "error: sshd failed to start (see $dir/sshd.log)" >&2; return 1; }
  for _ in $(seq 1 50); do
    [ -s "$dir/sshd.pid" ] && ssh-keyscan -p "$port" 127.0.0.1 >/dev/null 2>&1 && break
    sleep 0.1
  done
  export QUANTLAB_TEST_SSH_HOST=127.0.0.1
  export QUANTLAB_TEST_SSH_PORT=$port
  export QUANTLAB_TEST_SSH_USER; QUANTLAB_TEST_SSH_USER=$(id -un)
  export QUANTLAB_TEST_SSH_KEY=$dir/client_key
  export QUANTLAB_TEST_SSH_HOST_KEY_PUB=$dir/host_key.pub
  export QUANTLAB_TEST_SSHD_PIDFILE=$dir/sshd.pid
  echo "sshd on 127.0.0.1:$port" >&2
}

stop_sshd() { local dir=$1; [ -s "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null; rm -f "$dir/sshd.pid"; }

# start_s3 DIR : starts fauxqs on a free port; tests reach it on 127.0.0.1 only.
start_s3() {
  local dir=$1 root; root=$(repo_root); mkdir -p "$dir"
  local port; port=$(free_port)
  FAUXQS_PORT=$port FAUXQS_HOST=localhost nohup "$root/.test-env/node/node_modules/.bin/fauxqs" >"$dir/s3.log" 2>&1 &
  echo $! > "$dir/s3.pid"
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
    sleep 0.1
  done
  export QUANTLAB_TEST_S3_URL=http://127.0.0.1:$port
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
  echo "S3 server (fauxqs) on 127.0.0.1:$port" >&2
}

stop_s3() { local dir=$1; [ -s "$dir/s3.pid" ] && kill "$(cat "$dir/s3.pid")" 2>/dev/null; rm -f "$dir/s3.pid"; }
