"""Generate a synthetic, shape-conforming clusterkb knowledge base of any size.

Why: the real KB has three clusters, far too little to say how the publisher
behaves at the scale of a European cluster registry (thousands of clusters,
millions of triples). This writes a KB laid out like ``kb/`` (one Turtle file
per cluster under ``clusters/``, shared entities under ``shared/``), using the
same ontology terms as ``kb/clusters/*.ttl`` and real concept IRIs of
``ontology/vocabularies/``, so ``clusterkb build`` (with ``CLUSTERKB_KB_DIR``
pointing at it) publishes it and the shapes accept it.

Output is deterministic for a seed: every cluster draws from its own random
generator seeded by ``(seed, index)``, so cluster ``i`` is the same whatever
``--clusters`` is, and the whole KB is streamed file by file (memory does not
grow with N). Each file is written as N-Triples-style Turtle (one full triple a
line), which any Turtle parser reads and which turns into N-Quads by appending
the graph name; ``--nquads FILE`` also writes every graph to one N-Quads file
for engines that load datasets.

Sizes: about 250 triples per cluster (``--clusters 1000`` is about 0.25 M
triples, 10,000 about 2.5 M, 50,000 more than 12 M).

    python bench/gen.py --clusters 1000 --out var/bench/kb-1000 [--seed 7] [--nquads kb.nq]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

BASE = "https://w3id.org/clusterkb/"
CKB = f"{BASE}ontology#"
ID = f"{BASE}id/"
VOCAB = f"{BASE}vocab/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG = "http://www.w3.org/ns/org#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
EURIO = "http://data.europa.eu/s66#"
LEGAL = "http://www.w3.org/ns/legal#"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
NUTS = "http://data.europa.eu/nuts/code/"
GENERATED_AT = "2026-11-23T12:00:00Z"

#: (authority code, NUTS country code, language tag, local word for "cluster", a few regions)
COUNTRIES = (
    ("ROU", "RO", "ro", "Clusterul", ("Nord-Vest", "Centru", "Bucuresti-Ilfov", "Sud-Est")),
    ("HUN", "HU", "hu", "Klaszter", ("Del-Alfold", "Kozep-Magyarorszag", "Nyugat-Dunantul")),
    ("DEU", "DE", "de", "Cluster", ("Bayern", "Sachsen", "Hessen", "Berlin")),
    ("FRA", "FR", "fr", "Pole", ("Bretagne", "Occitanie", "Grand Est")),
    ("ITA", "IT", "it", "Distretto", ("Piemonte", "Lombardia", "Toscana")),
    ("ESP", "ES", "es", "Cluster", ("Cataluna", "Andalucia", "Galicia")),
    ("POL", "PL", "pl", "Klaster", ("Mazowieckie", "Malopolskie", "Slaskie")),
    ("SVK", "SK", "sk", "Klaster", ("Kosicky", "Zilinsky")),
    ("AUT", "AT", "de", "Cluster", ("Steiermark", "Tirol")),
    ("NLD", "NL", "nl", "Cluster", ("Noord-Brabant", "Gelderland")),
)
TOPICS = ("Medical", "Health", "Bioeconomy", "Automotive", "Energy", "Digital", "Textile",
          "Wood", "Food", "Aerospace", "Water", "Mobility", "Photonics", "Tourism", "Agri-Food",
          "Biotech", "Materials", "Creative", "Logistics", "Space")
KINDS = ("Innovation", "Competitiveness", "Technology", "Regional", "Excellence", "Business")
ORG_WORDS = ("Systems", "Labs", "Solutions", "Institute", "University", "Works", "Partners",
             "Technologies", "Research Centre", "Industries")
SOURCE_SITES = ("https://clustercollaboration.eu/", "https://www.cluster-analysis.org/",
                "https://blacksea-horizon.eu/")


@dataclass(frozen=True)
class Vocabularies:
    """Concept IRIs per scheme name, read from ``ontology/vocabularies/*.ttl``."""

    concepts: dict[str, tuple[str, ...]]

    def pick(self, rng: random.Random, scheme: str, k: int = 1) -> list[str]:
        pool = self.concepts[scheme]
        return rng.sample(pool, min(k, len(pool)))


def load_vocabularies(vocab_dir: Path) -> Vocabularies:
    """The concepts of each scheme, sorted (so that choices do not depend on parse order)."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import SKOS as SKOS_NS

    concepts: dict[str, tuple[str, ...]] = {}
    for path in sorted(vocab_dir.glob("*.ttl")):
        graph = Graph().parse(path, format="turtle")
        scheme = URIRef(f"{VOCAB}{path.stem}")
        concepts[path.stem] = tuple(sorted(str(c) for c in graph.subjects(SKOS_NS.inScheme, scheme)
                                           if isinstance(c, URIRef)))
    return Vocabularies(concepts)


# --- terms in N-Triples syntax -------------------------------------------------------------

def iri(value: str) -> str:
    return f"<{value}>"


def text(value: str, lang: str | None = None) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


Triple = tuple[str, str, str]


def _slug(index: int) -> str:
    return f"c{index:06d}"


def place_slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def cluster_iri(index: int) -> str:
    return f"{ID}cluster/{_slug(index)}"


def graph_name(path_stem: str) -> str:
    return f"{BASE}graph/{path_stem}"


# --- shared entities ----------------------------------------------------------------------

def programme_count(clusters: int) -> int:
    return max(5, min(200, clusters // 20))


def event_count(clusters: int) -> int:
    return max(5, clusters // 10)


def network_count(clusters: int) -> int:
    return max(3, min(50, clusters // 50))


def _provenance(graph: str, source: str, label: str) -> list[Triple]:
    return [(iri(graph), iri(f"{RDFS}label"), text(label, "en")),
            (iri(graph), iri(f"{PROV}wasDerivedFrom"), iri(source)),
            (iri(graph), iri(f"{PROV}generatedAtTime"), typed(GENERATED_AT, "dateTime"))]


def shared_graphs(clusters: int, seed: int) -> Iterator[tuple[str, list[Triple]]]:
    """``(path stem, triples)`` of the shared files: sources, organisations, places,
    programmes, networks, events (a few hundred triples to a few thousand)."""
    rng = random.Random(f"{seed}-shared")
    registry = f"{ID}source/synthetic-registry"
    sources: list[Triple] = _provenance(graph_name("shared/sources"), registry,
                                        "Source documents of the synthetic KB")
    sources += [
        (iri(registry), iri(f"{RDF}type"), iri(f"{CKB}SourceDocument")),
        (iri(registry), iri(f"{RDFS}label"), text("Synthetic cluster registry", "en")),
        (iri(registry), iri(f"{DCT}title"), text("Synthetic cluster registry (benchmark)", "en")),
        (iri(registry), iri(f"{SCHEMA}url"), iri("https://example.org/synthetic-registry")),
    ]
    yield "shared/sources", sources

    esca = f"{ID}organisation/esca"
    orgs = _provenance(graph_name("shared/organisations"), registry, "Shared organisations")
    orgs += [(iri(esca), iri(f"{RDF}type"), iri(f"{ORG}FormalOrganization")),
             (iri(esca), iri(f"{RDFS}label"),
              text("European Secretariat for Cluster Analysis", "en")),
             (iri(esca), iri(f"{CKB}acronym"), text("ESCA")),
             (iri(esca), iri(f"{DCT}spatial"), iri(f"{COUNTRY}DEU"))]
    yield "shared/organisations", orgs

    places = _provenance(graph_name("shared/places"), registry, "Shared places")
    for code, _, _, _, regions in COUNTRIES:
        for region in regions:
            place = f"{ID}place/{place_slug(region)}"
            places += [(iri(place), iri(f"{RDF}type"), iri(f"{SCHEMA}Place")),
                       (iri(place), iri(f"{RDFS}label"), text(region, "en")),
                       (iri(place), iri(f"{DCT}spatial"), iri(f"{COUNTRY}{code}"))]
    yield "shared/places", places

    programmes = _provenance(graph_name("shared/programmes"), registry, "Shared programmes")
    for p in range(programme_count(clusters)):
        node = f"{ID}programme/prog-{p:04d}"
        name = f"{rng.choice(TOPICS)} {rng.choice(KINDS)} Programme {2000 + p % 25}"
        programmes += [(iri(node), iri(f"{RDF}type"), iri(f"{CKB}Programme")),
                       (iri(node), iri(f"{RDFS}label"), text(name, "en")),
                       (iri(node), iri(f"{SKOS}prefLabel"), text(name, "en")),
                       (iri(node), iri(f"{CKB}acronym"), text(f"P{p:04d}"))]
        if p >= 5:  # actions of one of the first five programmes
            programmes.append((iri(node), iri(f"{DCT}isPartOf"),
                               iri(f"{ID}programme/prog-{p % 5:04d}")))
    yield "shared/programmes", programmes

    networks = _provenance(graph_name("shared/networks"), registry, "Shared networks")
    for n in range(network_count(clusters)):
        node = f"{ID}network/net-{n:03d}"
        name = f"{rng.choice(TOPICS)} Cluster Network {n}"
        networks += [(iri(node), iri(f"{RDF}type"), iri(f"{CKB}Network")),
                     (iri(node), iri(f"{RDFS}label"), text(name, "en")),
                     (iri(node), iri(f"{SKOS}prefLabel"), text(name, "en"))]
    yield "shared/networks", networks

    events = _provenance(graph_name("shared/events"), registry, "Shared events")
    for e in range(event_count(clusters)):
        node = f"{ID}event/ev-{e:05d}"
        code, _, _, _, regions = COUNTRIES[e % len(COUNTRIES)]
        year = 2010 + e % 15
        month = 1 + e % 12
        name = f"{rng.choice(TOPICS)} Expo {year} #{e}"
        events += [(iri(node), iri(f"{RDF}type"), iri(f"{SCHEMA}Event")),
                   (iri(node), iri(f"{RDFS}label"), text(name, "en")),
                   (iri(node), iri(f"{SCHEMA}name"), text(name, "en")),
                   (iri(node), iri(f"{SCHEMA}location"),
                    iri(f"{ID}place/{place_slug(rng.choice(regions))}")),
                   (iri(node), iri(f"{SCHEMA}startDate"), typed(f"{year}-{month:02d}-10", "date")),
                   (iri(node), iri(f"{SCHEMA}endDate"), typed(f"{year}-{month:02d}-13", "date"))]
    yield "shared/events", events


# --- one cluster ------------------------------------------------------------------------------

def cluster_graph(index: int, clusters: int, seed: int, vocab: Vocabularies) -> list[Triple]:
    """The triples of ``clusters/c{index}``: the cluster, its award, counts, members, project."""
    rng = random.Random(f"{seed}-{index}")
    me = cluster_iri(index)
    code, nuts, lang, word, regions = COUNTRIES[rng.randrange(len(COUNTRIES))]
    topic, kind = rng.choice(TOPICS), rng.choice(KINDS)
    region = rng.choice(regions)
    name = f"{region} {topic} {kind} Cluster {index}"
    local = f"{word} {topic} {region} {index}"
    source = f"{ID}source/{_slug(index)}-profile"
    graph = graph_name(f"clusters/{_slug(index)}")
    t: list[Triple] = _provenance(graph, source, f"{name}, from its synthetic profile")

    def add(s: str, p: str, o: str) -> None:
        t.append((iri(s), iri(p), o))

    add(source, f"{RDF}type", iri(f"{CKB}SourceDocument"))
    add(source, f"{RDFS}label", text(f"{name} (synthetic profile)", "en"))
    add(source, f"{DCT}title", text(name, "en"))
    add(source, f"{SCHEMA}url", iri(f"{rng.choice(SOURCE_SITES)}profile/{_slug(index)}"))
    add(source, f"{DCT}subject", iri(me))

    founded = 1995 + rng.randrange(25)
    add(me, f"{RDF}type", iri(f"{CKB}ClusterOrganisation"))
    for tag, label in (("en", name), (lang, local)):
        add(me, f"{RDFS}label", text(label, tag))
        add(me, f"{SKOS}prefLabel", text(label, tag))
    add(me, f"{SKOS}altLabel", text(f"{topic} Cluster {region}", "en"))
    add(me, f"{CKB}acronym", text(f"{topic[:3].upper()}{index}"))
    add(me, f"{LEGAL}legalName", text(f"Asociatia {name}" if lang == "ro" else f"{name} e.V."))
    add(me, f"{SCHEMA}foundingDate", typed(f"{founded}-{1 + rng.randrange(12):02d}-01", "date"))
    add(me, f"{CKB}organisationType", iri(f"{VOCAB}organisation-types/association-ngo"))
    add(me, f"{DCT}spatial", iri(f"{COUNTRY}{code}"))
    add(me, f"{DCT}spatial", iri(f"{NUTS}{nuts}{1 + rng.randrange(4)}"))
    add(me, f"{CKB}geographicalFocus", iri(f"{COUNTRY}{code}"))
    add(me, f"{SCHEMA}location", iri(f"{ID}place/{place_slug(region)}"))
    add(me, f"{SCHEMA}description", text(
        f"The {name} brings together companies, universities and public bodies of the "
        f"{topic.lower()} sector in {region} to raise their competitiveness.", "en"))
    add(me, f"{CKB}mission", text(f"To strengthen the {topic.lower()} ecosystem of {region}.",
                                  "en"))
    for n, obj in enumerate(("Joint research and innovation projects",
                             "Internationalisation of members", "Skills and training")):
        if n < 2 or rng.random() < 0.5:
            add(me, f"{CKB}objective", text(obj, "en"))
    add(me, f"{CKB}activity", text("Matchmaking events for members", "en"))
    add(me, f"{CKB}activity", text("Support for funding applications", "en"))
    for scheme, prop, k in (("sectoral-industries", "sectoralIndustry", 1 + rng.randrange(2)),
                            ("technology-fields", "technologyField", 1 + rng.randrange(2)),
                            ("s3-priority-areas", "s3PriorityArea", 1),
                            ("emerging-industries", "emergingIndustry", rng.randrange(2)),
                            ("industrial-ecosystems", "industrialEcosystem", 1),
                            ("support-services", "supportService", 2 + rng.randrange(3)),
                            ("fields-of-science", "scientificField", 1)):
        for concept in vocab.pick(rng, scheme, k):
            add(me, f"{CKB}{prop}", iri(concept))
    for network in rng.sample(range(network_count(clusters)), 1 + rng.randrange(2)):
        add(me, f"{CKB}belongsToNetwork", iri(f"{ID}network/net-{network:03d}"))
    for programme in rng.sample(range(programme_count(clusters)), 1 + rng.randrange(3)):
        add(me, f"{CKB}membersParticipatedIn", iri(f"{ID}programme/prog-{programme:04d}"))
    for event in rng.sample(range(event_count(clusters)), 1 + rng.randrange(2)):
        add(me, f"{CKB}participatesInEvent", iri(f"{ID}event/ev-{event:05d}"))
    if clusters > 1:
        others = {rng.randrange(clusters) for _ in range(2 + rng.randrange(5))} - {index}
        for other in sorted(others):
            add(me, f"{CKB}collaboratesWith", iri(cluster_iri(other)))

    # the excellence label (about 70 % of clusters hold one)
    if rng.random() < 0.7:
        award = f"{ID}award/{_slug(index)}-label"
        level = rng.choices(("bronze", "silver", "gold"), weights=(6, 3, 1))[0]
        year = max(founded + 1, 2012 + rng.randrange(12))
        add(me, f"{CKB}hasAward", iri(award))
        add(award, f"{RDF}type", iri(f"{CKB}ExcellenceLabel"))
        add(award, f"{RDFS}label", text(f"Cluster Excellence Label {level.title()} of {name}",
                                        "en"))
        add(award, f"{CKB}awardLevel", iri(f"{VOCAB}label-levels/{level}"))
        add(award, f"{CKB}awardedBy", iri(f"{ID}organisation/esca"))
        add(award, f"{CKB}awardDate", typed(f"{year}-06-01", "date"))
        add(award, f"{CKB}validUntil", typed(f"{year + 2}-06-01", "date"))

    # members, with an org:Membership node each, and dated counts
    n_members = 12 + rng.randrange(14)
    types = vocab.concepts["organisation-types"]
    by_type: dict[str, int] = {}
    for m in range(n_members):
        member = f"{ID}organisation/{_slug(index)}-m{m:02d}"
        org_type = types[rng.randrange(len(types))]
        by_type[org_type] = by_type.get(org_type, 0) + 1
        member_name = f"{rng.choice(TOPICS)} {rng.choice(ORG_WORDS)} {index}-{m}"
        add(me, f"{ORG}hasMember", iri(member))
        add(member, f"{RDF}type", iri(f"{ORG}FormalOrganization"))
        add(member, f"{RDFS}label", text(member_name, "en"))
        add(member, f"{CKB}organisationType", iri(org_type))
        add(member, f"{DCT}spatial", iri(f"{COUNTRY}{code}"))
        membership = f"{me}#membership-{m}"
        add(membership, f"{RDF}type", iri(f"{ORG}Membership"))
        add(membership, f"{ORG}member", iri(member))
        add(membership, f"{ORG}organization", iri(me))
        role = "founding-member" if m < 2 else "member"
        add(membership, f"{ORG}role", iri(f"{VOCAB}membership-roles/{role}"))
    total = n_members + rng.randrange(40)
    counted = [(None, total)] + sorted(by_type.items())[:2]
    for c, (org_type, value) in enumerate(counted):
        count = f"{ID}member-count/{_slug(index)}-{c}"
        add(me, f"{CKB}hasMemberCount", iri(count))
        add(count, f"{RDF}type", iri(f"{CKB}MemberCount"))
        add(count, f"{RDFS}label", text(f"{name}: {value} members", "en"))
        add(count, f"{CKB}memberCount", typed(value, "integer"))
        add(count, f"{CKB}referenceDate", typed("2024-01-01", "date"))
        if org_type:
            add(count, f"{CKB}countedType", iri(org_type))

    # one funded project
    project = f"{ID}project/{_slug(index)}-p1"
    add(me, f"{CKB}participatesInProject", iri(project))
    add(project, f"{RDF}type", iri(f"{EURIO}Project"))
    add(project, f"{RDFS}label", text(f"{topic} innovation project of cluster {index}", "en"))
    add(project, f"{CKB}acronym", text(f"PRJ{index}"))
    add(project, f"{CKB}projectScope", text(f"Joint {topic.lower()} pilots", "en"))
    add(project, f"{EURIO}isFundedBy",
        iri(f"{ID}programme/prog-{rng.randrange(programme_count(clusters)):04d}"))
    add(project, f"{CKB}geographicScope", text(rng.choice(("regional", "national",
                                                           "European"))))
    return t


# --- writing ----------------------------------------------------------------------------------

def write_graph(out: Path, stem: str, triples: list[Triple], nquads: TextIO | None) -> int:
    path = out / f"{stem}.ttl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{s} {p} {o} .\n" for s, p, o in triples]
    path.write_text(f"# Synthetic clusterkb data ({stem}), made by bench/gen.py\n"
                    + "".join(lines), encoding="utf-8")
    if nquads is not None:
        g = iri(graph_name(stem))
        nquads.writelines(f"{s} {p} {o} {g} .\n" for s, p, o in triples)
    return len(triples)


def generate(clusters: int, out: Path, *, seed: int = 7, vocab_dir: Path | None = None,
             nquads: Path | None = None, progress: bool = False) -> int:
    """Write the KB under ``out`` (``clusters/``, ``shared/``); returns the triple count."""
    vocab_dir = vocab_dir or Path(__file__).resolve().parent.parent / "ontology" / "vocabularies"
    vocab = load_vocabularies(vocab_dir)
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    handle = open(nquads, "w", encoding="utf-8") if nquads else None  # noqa: SIM115
    try:
        for stem, triples in shared_graphs(clusters, seed):
            total += write_graph(out, stem, triples, handle)
        for index in range(clusters):
            total += write_graph(out, f"clusters/{_slug(index)}",
                                 cluster_graph(index, clusters, seed, vocab), handle)
            if progress and index and index % 1000 == 0:
                print(f"{index} clusters, {total} triples", file=sys.stderr)
    finally:
        if handle:
            handle.close()
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True, help="KB folder to write")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--nquads", type=Path, default=None,
                        help="also write every graph into this N-Quads file")
    args = parser.parse_args(argv)
    total = generate(args.clusters, args.out, seed=args.seed, nquads=args.nquads, progress=True)
    print(f"{args.clusters} clusters, {total} triples in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
