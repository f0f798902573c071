"""The local stack: moto region stack, local gateway, `replika dev`."""
