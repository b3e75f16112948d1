export default function Home() {
  return (
    <main>
      <h1>Sylvan Next 12 fixture</h1>
      <p>Pages-router app served by the Sylvan launcher.</p>
    </main>
  );
}
