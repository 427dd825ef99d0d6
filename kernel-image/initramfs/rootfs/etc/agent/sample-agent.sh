# The sample agent (docs/sandbox.md): works in its scratch space, then looks around.
echo "agent: working in $(pwd)"
echo "notes from the agent" > notes.txt && cat notes.txt
cat /etc/passwd || echo "agent: /etc/passwd is not in my view"
ls /root || echo "agent: /root is not in my view"
ln -s /etc/passwd escape || echo "agent: I may not plant a link that leads out"
kill -TERM 1 || echo "agent: init is outside my sandbox"
