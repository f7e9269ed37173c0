# pyzmq's load_certificates(dir) reads only *.key files: write pyzmq names for pyzmq.
curvezmq keygen alice --dir pyzmq-keys --format pyzmq   # pyzmq-keys/alice.key and alice.key_secret
mkdir pyzmq-allowed
cp pyzmq-keys/alice.key pyzmq-allowed/
curvezmq cert list pyzmq-allowed                        # curvezmq reads either naming
