"""Odoo's command line for tests that start real servers: python3 tests/workers/odoo_server.py server ...

A prefork server starts its websocket (gevent) process by running its own script again; run as
``python3 -m odoo``, that script cannot be run again, so tests start Odoo through this one."""
from odoo.cli.command import main

if __name__ == '__main__':
    main()
