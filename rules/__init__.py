"""Rule packs shipped with qgate (installed as the data package ``qgate.packs``)."""
