#!/usr/bin/env bash
# The proof of the packages (issue 10): packs the solution into a temporary folder feed and, from that feed alone (plus
# the public registry for TorchSharp and libtorch), builds and runs
#   1. a fresh `dotnet new console` project whose one reference is `dotnet add package ModelDsl`: no using lines, a
#      plain torch call first, the README's GradesRegression trained with Fit's default output, its loss printed;
#   2. an F# script, `#r "nuget: ModelDsl"` and `#r "nuget: ModelDsl.Plotting"` against the feed, that trains the model
#      of a C# library (itself built against the package) and saves a figure;
#   3. an F# console program that references only ModelDsl and starts with a plain torch call.
# Nothing in the consumers refers to this repository. Run by tests/ModelDsl.Package.Tests (so by `dotnet test` and CI).
#
#   bash eng/packed-consumer-test.sh [--configuration Debug|Release] [--build]
# Packs the already built configuration (`dotnet build` first) unless --build is given.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
configuration=Debug
build=--no-build
while [ $# -gt 0 ]; do
  case "$1" in
    --configuration|-c) configuration=$2; shift 2 ;;
    --build) build=""; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false
work=$(mktemp -d "${TMPDIR:-/tmp}/modeldsl-packed.XXXXXX")
feed="$work/feed"
# A version of its own per run: NuGet caches packages by id and version, so a reused version would be a stale copy.
version="0.0.0-proof.$(date +%s).$$"
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
torchsharp_consolidated="$packages/torchsharp/0.107.0/lib/net8.0/cpu"
had_consolidated=$([ -e "$torchsharp_consolidated" ] && echo yes || echo no)
cleanup() {
  rm -rf "$work" "$packages/modeldsl/$version" "$packages/modeldsl.plotting/$version"
}
trap cleanup EXIT
started=$(date +%s)
step() { echo "== [$(( $(date +%s) - started ))s] $*"; }

step "pack ModelDsl.sln ($configuration${build:+, no build}) as $version into $feed"
dotnet pack "$root/ModelDsl.sln" -c "$configuration" $build -o "$feed" -p:Version="$version" -v quiet -nologo
ls "$feed"
for id in ModelDsl ModelDsl.Plotting; do
  [ -f "$feed/$id.$version.nupkg" ] || { echo "missing $id.$version.nupkg"; exit 1; }
done

cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="feed" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
# The consumers copy TorchSharp's ~1.2 GB of natives to their bin unless MSBuild may hard-link them from the NuGet cache.
links=-p:CreateHardLinksForCopyLocalIfPossible=true

step "C#: dotnet new console + dotnet add package ModelDsl; a class library for the F# script; an F# console"
dotnet new console -o "$work/console" -n PackedConsumer --framework net10.0 >/dev/null
dotnet add "$work/console" package ModelDsl --version "$version" >/dev/null
grep -c PackageReference "$work/console/PackedConsumer.csproj" | grep -qx 1 || { echo "the console project must reference one package"; exit 1; }
cp "$root/eng/packed-consumer/console/Program.cs" "$work/console/Program.cs"
if grep -n '^using ' "$work/console/Program.cs"; then echo "the consumer must need no using lines"; exit 1; fi
mkdir -p "$work/library"
cp "$root/eng/packed-consumer/library/Line.cs" "$work/library/Line.cs"
cat > "$work/library/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
  <ItemGroup><PackageReference Include="ModelDsl" Version="$version" /></ItemGroup>
</Project>
XML
mkdir -p "$work/fsharp-console"
cp "$root/eng/packed-consumer/fsharp-console/Program.fs" "$work/fsharp-console/Program.fs"
cat > "$work/fsharp-console/FSharpConsumer.fsproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><Compile Include="Program.fs" /></ItemGroup>
  <ItemGroup><PackageReference Include="ModelDsl" Version="$version" /></ItemGroup>
</Project>
XML
# One build of the three projects: MSBuild restores and compiles them side by side.
(cd "$work" && dotnet new sln -n consumers >/dev/null \
  && dotnet sln add console/PackedConsumer.csproj library/Consumer.csproj fsharp-console/FSharpConsumer.fsproj >/dev/null)
step "C# and F# consoles: build and run"
(cd "$work" && dotnet build $links -v quiet -nologo -clp:NoSummary)
dotnet run --project "$work/console" --no-build | tee "$work/console.log"
grep -q "^packed consumer: GradesRegression trained 4 epochs, loss" "$work/console.log"
dotnet run --project "$work/fsharp-console" --no-build | tee "$work/fsharp-console.log"
grep -q "^packed F# program: first torch call gives 10" "$work/fsharp-console.log"

step "F#: dotnet fsi with #r \"nuget: ModelDsl\""
sed -e "s|@FEED@|$feed|" -e "s|@VERSION@|$version|g" -e "s|@LIBRARY@|$work/library/bin/Debug/net10.0/Consumer.dll|" \
  "$root/eng/packed-consumer/script.fsx" > "$work/script.fsx"
(cd "$work" && dotnet fsi --quiet --exec script.fsx) | tee "$work/fsi.log"
grep -q "^packed F# script: loss" "$work/fsi.log"
[ -s "$work/loss.png" ] || { echo "the F# script wrote no figure"; exit 1; }
sed -e "s|@FEED@|$feed|" -e "s|@VERSION@|$version|g" "$root/eng/packed-consumer/torch-only.fsx" > "$work/torch-only.fsx"
(cd "$work" && dotnet fsi --quiet --exec torch-only.fsx) | tee "$work/torch-only.log"
grep -q "^packed F# torch-only script: 10" "$work/torch-only.log"
# TorchSharp's own fallback, when its natives do not load, copies ~600 MB into the NuGet cache; it must not have run.
if [ "$had_consolidated" = no ] && [ -e "$torchsharp_consolidated" ]; then
  rm -rf "$torchsharp_consolidated"
  echo "TorchSharp fell back to copying its natives into $torchsharp_consolidated"; exit 1
fi
step "packed consumers passed"
